-- rollup_compact: merges every part of one review rollup table into one (server/trends/rollups.ts),
-- so each key's partial sums are one row: a review then adds up a third of the histograms it
-- would in the parts the engine's own merges leave (BENCHMARKS.md, "Compaction").
-- Params: table: Identifier, one of the maintainer's own table names.
OPTIMIZE TABLE {table:Identifier} FINAL
