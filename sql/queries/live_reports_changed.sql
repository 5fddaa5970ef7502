-- live_reports_changed: the current state of every report with an event stored after {since}
-- (stored_at, the store's clock). Reads only the newest parts (stored_at_minmax), then looks
-- the reports up by key in report_state. Columns as in live_reports.
-- At most {limit} rows: the hub loads in full when more changed (a bulk load).
-- Params: since: DateTime64(3, 'UTC'); limit: UInt32.
SELECT * EXCEPT (is_open, last_time)
FROM live_report_state
WHERE report_id IN (SELECT report_id FROM report_events WHERE stored_at > {since:DateTime64(3, 'UTC')})
LIMIT {limit:UInt32}
