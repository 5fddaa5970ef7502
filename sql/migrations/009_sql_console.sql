-- 009_sql_console: what the analysts' SQL console (issue 7) keeps: every query run, with who ran
-- it (the log, and each analyst's history), and saved queries (shared by link).
--
-- Why: DESIGN §7 wants every console query logged with its user; the log doubles as the
-- per-user history, so there is one record, not two. Saved queries are last-write-wins rows
-- (ReplacingMergeTree on a version), deleted by a tombstone row, like users and keys.
-- Cost: two new, empty tables.

CREATE TABLE sql_query_log
(
    at          DateTime64(3, 'UTC') COMMENT 'When the query was asked',
    user_id     String COMMENT 'Who ran it (users.id)',
    username    String COMMENT 'Their username, for reading the log',
    scope       String COMMENT 'The scope the query ran under (rows outside it were not visible)',
    via         LowCardinality(String) COMMENT 'console (the page) or http (the ClickHouse-compatible endpoint)',
    query       String COMMENT 'The query as asked (first 64 KB)',
    status      LowCardinality(String) COMMENT 'ok, refused (by the guard), failed (by the engine) or cancelled',
    error       String COMMENT 'Why it was refused or failed; empty when ok',
    rows        UInt64 COMMENT 'Rows returned',
    elapsed_ms  UInt32 COMMENT 'Time to run it'
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (user_id, at)
COMMENT 'Every SQL console query, with its user and outcome; not readable from the console';

CREATE TABLE saved_queries
(
    id          String COMMENT 'Public id, used in share links',
    owner_id    String COMMENT 'Who saved it (users.id)',
    owner       String COMMENT 'Their username',
    name        String COMMENT 'Title',
    query       String COMMENT 'The SQL',
    created_at  DateTime64(3, 'UTC') COMMENT 'When first saved',
    deleted     UInt8 COMMENT '1: deleted by its owner',
    version     UInt64 COMMENT 'Last write wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id
COMMENT 'SQL console queries saved by analysts; anyone who may use the console can open one by its link, and it runs in their own scope'
