-- recent_event_ids: the newest accepted events of one stream by arrival, with their content
-- hashes, to rebuild ingest's resend memory after a restart.
-- Params: table: Identifier (report_events or visit_events); since: DateTime64(3, 'UTC'); limit: UInt32.
SELECT event_id, content_hash
FROM {table:Identifier}
WHERE received_at >= {since:DateTime64(3, 'UTC')}
ORDER BY received_at DESC
LIMIT {limit:UInt32}
