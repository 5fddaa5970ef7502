-- live_reports_changed: the current state of every report with an event stored after {since}
-- (stored_at, the store's clock). Reads only the newest parts (stored_at_minmax), then looks
-- the reports up by key in report_state. Columns as in live_reports.
-- Params: since: DateTime64(3, 'UTC').
SELECT
    report_id,
    micro_grid,
    category,
    channel,
    reporter_role,
    toUnixTimestamp64Milli(first_at) AS first_at,
    toUnixTimestamp64Milli(last_at) AS last_at,
    toUnixTimestamp64Milli(reported_at) AS reported_at,
    toUnixTimestamp64Milli(verified_at) AS verified_at,
    toUnixTimestamp64Milli(dispatched_at) AS dispatched_at,
    toUnixTimestamp64Milli(resolved_at) AS resolved_at,
    toUnixTimestamp64Milli(closed_at) AS closed_at,
    toUnixTimestamp64Milli(reopened_at) AS reopened_at,
    toUnixTimestamp64Milli(rejected_at) AS rejected_at
FROM report_current
WHERE report_id IN (SELECT report_id FROM report_events WHERE stored_at > {since:DateTime64(3, 'UTC')})
