-- 010_live_report_state_last_time: the view's last_time is the instant it was meant to be.
--
-- Why: in 006, `last_at AS last_time` resolved to the alias `last_at` defined a few lines above
-- (the same instant as ms since epoch, a number), so the live hub's full load
-- (`is_open OR last_time >= {since}`) compared a number of ms with an instant and kept every
-- report: each full load read the whole history (17 s at 10M stored events; at 100M, an answer
-- over Node's 4 GB buffer limit) and then dropped all but the open and recent ones in memory.
-- Qualified with its table, the column is report_current's DateTime64 again. (A saved console
-- query that compared last_time with a number of ms must compare it with an instant now.)
-- Cost: none; a view stores nothing.

CREATE OR REPLACE VIEW live_report_state AS
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
    report_current.last_at AS last_time
FROM report_current
