-- distributed_tables: which of {names} are Distributed tables in this database (a store built
-- from sql/cluster/schema.sql), so the rollup maintainer empties their shards' local tables.
-- Params: names: Array(String).
SELECT name
FROM system.tables
WHERE database = currentDatabase() AND name IN {names:Array(String)} AND engine = 'Distributed'
