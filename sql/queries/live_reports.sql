-- live_reports: the reports the live wall needs, as lifecycle timestamps (ms since epoch):
-- every report still open, and every report with an event since {since} (the start of
-- yesterday: today's and yesterday's figures, the last 24 hours). Read in full when the hub
-- starts; after that the hub reads only what changed (live_reports_changed).
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
WHERE is_open OR last_at >= {since:DateTime64(3, 'UTC')}
