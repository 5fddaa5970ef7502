-- recent_event_ids: the newest accepted events of one stream by arrival, with their content
-- hashes, to rebuild ingest's resend memory after a restart. Rows from before migration 004
-- have no hash (0): they are left to the tables' engine, not answered as conflicts.
-- Params: table: Identifier (report_events or visit_events); since: DateTime64(3, 'UTC'); limit: UInt32.
SELECT event_id, content_hash
FROM {table:Identifier}
WHERE received_at >= {since:DateTime64(3, 'UTC')} AND content_hash != 0
ORDER BY received_at DESC
LIMIT {limit:UInt32}
