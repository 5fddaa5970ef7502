-- 006_live_report_state: one definition of what the live hub reads about a report.
--
-- Why: the hub reads report states twice — all open and recent ones at start, only the changed
-- ones each tick — and both want the same columns, lifecycle times as ms since epoch (what the
-- in-memory model holds). A view keeps that projection in one place; the hub's queries only
-- choose which reports. is_open and last_time are there to filter on.
-- Cost: none; a view stores nothing, and filters on report_id reach report_state's key.

CREATE VIEW live_report_state AS
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
    toUnixTimestamp64Milli(rejected_at) AS rejected_at,
    is_open,
    last_at AS last_time
FROM report_current
