-- rollup_compact_cluster: rollup_compact on a cluster (sql/cluster/schema.sql): the shards' local
-- tables, on every host; a Distributed table cannot be optimized.
-- Params: table: Identifier, the `_local` table of one of the maintainer's own tables.
OPTIMIZE TABLE {table:Identifier} ON CLUSTER '{cluster}' FINAL
