-- recent_reports: the newest reported events, to seed the live ticker after a start.
-- Params: since: DateTime64(3, 'UTC'); limit: UInt32.
SELECT
    report_id, at, category, channel, reporter_role, severity, micro_grid, note
FROM report_events FINAL
WHERE type = 'reported' AND at >= {since:DateTime64(3, 'UTC')}
ORDER BY at DESC
LIMIT {limit:UInt32}
