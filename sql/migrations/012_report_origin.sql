-- 012_report_origin: a report's place, category, channel and reporter are those of its first
-- `reported` event, not the greatest value among all its events.
--
-- Why: report_state kept max(street), max(reporter_role), max(channel) over every event of a
-- report, and maxIf(category) over its `reported` events. Those are order-free, but they are only
-- right while every event of a report carries the same values. They need not: a `verified` sent
-- by a community's staff says reporter_role 'staff' (a mobile grid worker's report stopped
-- counting as one), a step sent from a neighbouring micro-grid moved the whole report to the
-- alphabetically greater one, and a report made twice took the greater category (and its SLA).
-- Found by checking the monthly review against SQL over the raw events (2026-12-08).
-- * `origin` is the min over the report's events of one string that sorts by rank (0 for a
--   `reported` event, 1 for any other), then `at`, then a hash of the event id, and carries the
--   event's place, category, channel and reporter after it: the earliest `reported` event, or,
--   until one arrives, the earliest event, which still places the report. Still order-free and
--   idempotent (a min), so late, resent and out-of-order events give the same state. A string
--   because a min over a tuple of strings made report_current's full read 10x slower (2M reports:
--   4-7 s against 0.4-0.8 s); as a string, 1.5-2x (BENCHMARKS.md). category, channel and
--   reporter_role are read only from a `reported` origin: a later step's role is who handled
--   it, not who reported.
-- * severity stays the highest seen (an escalation), first_at … rejected_at are unchanged.
-- * report_current keeps its columns and names, so the live hub, the review and saved console
--   queries over it read the new meaning unchanged; report_state loses micro_grid … reporter_role
--   (a console query must read them from report_current, or from report_state's origin).
-- * The review rollups are folded again from the start (rollup_state emptied): every report's
--   contribution may have moved. Until that fold completes, reviews are read from report_current.
-- Safe to run again from the start: the backfill inserts every report's state again, which min
-- and max absorb; the column changes are IF [NOT] EXISTS.
-- * Places are registry codes ([A-Za-z0-9._-]) and category, channel and reporter_role enums:
--   no tab, so the fields after the fixed-width sort key split cleanly. `at` before 1970 sorts as
--   1970 and the 13 digits last until 2286; ingest takes only the last 5 years.
-- Cost: one pass over report_events grouped by report (the backfill: 446 s at 100M stored events,
-- measured with a first form of origin, a tuple; report_state then holds every report twice until
-- merged: 49M rows, 2.7 GiB), then the rollups' fold from the start (25-39 min at 100M,
-- BENCHMARKS.md), while reviews are read from report_current. Stop every replica first. On a
-- cluster, by hand: sql/cluster/README.md.

DROP VIEW IF EXISTS report_state_mv;

ALTER TABLE report_state
    ADD COLUMN IF NOT EXISTS origin SimpleAggregateFunction(min, String)
        DEFAULT '9'
        COMMENT 'The event that says where and what the report is, as one sortable string: rank (0: its first reported event, 1: else its earliest event, 9: rows written before migration 012), at in ms since epoch (13 digits), the event id''s hash (16 hex digits, for ties), then tab-separated micro_grid, grid, community, street, district, category, channel, reporter_role. Read it through report_current'
        AFTER report_id;

ALTER TABLE report_state
    DROP COLUMN IF EXISTS micro_grid,
    DROP COLUMN IF EXISTS grid,
    DROP COLUMN IF EXISTS community,
    DROP COLUMN IF EXISTS street,
    DROP COLUMN IF EXISTS district,
    DROP COLUMN IF EXISTS category,
    DROP COLUMN IF EXISTS channel,
    DROP COLUMN IF EXISTS reporter_role;

CREATE MATERIALIZED VIEW report_state_mv TO report_state AS
SELECT
    report_id,
    min(concat(if(type = 'reported', '0', '1'), leftPad(toString(greatest(0, toUnixTimestamp64Milli(at))), 13, '0'), leftPad(hex(cityHash64(event_id)), 16, '0'),
        '\t', micro_grid, '\t', grid, '\t', community, '\t', street, '\t', district, '\t', category, '\t', channel, '\t', reporter_role)) AS origin,
    max(severity) AS severity,
    min(at) AS first_at,
    max(at) AS last_at,
    minIf(toNullable(at), type = 'reported') AS reported_at,
    minIf(toNullable(at), type = 'verified') AS verified_at,
    minIf(toNullable(at), type = 'dispatched') AS dispatched_at,
    maxIf(toNullable(at), type = 'resolved') AS resolved_at,
    maxIf(toNullable(at), type = 'closed') AS closed_at,
    maxIf(toNullable(at), type = 'reopened') AS reopened_at,
    maxIf(toNullable(at), type = 'rejected') AS rejected_at
FROM report_events
GROUP BY report_id;

INSERT INTO report_state (report_id, origin, severity, first_at, last_at, reported_at, verified_at, dispatched_at, resolved_at, closed_at, reopened_at, rejected_at)
SELECT
    report_id,
    min(concat(if(type = 'reported', '0', '1'), leftPad(toString(greatest(0, toUnixTimestamp64Milli(at))), 13, '0'), leftPad(hex(cityHash64(event_id)), 16, '0'),
        '\t', micro_grid, '\t', grid, '\t', community, '\t', street, '\t', district, '\t', category, '\t', channel, '\t', reporter_role)) AS origin,
    max(severity) AS severity,
    min(at) AS first_at,
    max(at) AS last_at,
    minIf(toNullable(at), type = 'reported') AS reported_at,
    minIf(toNullable(at), type = 'verified') AS verified_at,
    minIf(toNullable(at), type = 'dispatched') AS dispatched_at,
    maxIf(toNullable(at), type = 'resolved') AS resolved_at,
    maxIf(toNullable(at), type = 'closed') AS closed_at,
    maxIf(toNullable(at), type = 'reopened') AS reopened_at,
    maxIf(toNullable(at), type = 'rejected') AS rejected_at
FROM report_events
GROUP BY report_id
SETTINGS max_bytes_before_external_group_by = 2000000000;

CREATE OR REPLACE VIEW report_current AS
SELECT
    report_id,
    origin[2] AS micro_grid,
    origin[3] AS grid,
    origin[4] AS community,
    origin[5] AS street,
    origin[6] AS district,
    if(reported, origin[7], '') AS category,
    if(reported, origin[8], '') AS channel,
    if(reported, origin[9], '') AS reporter_role,
    severity,
    first_at,
    last_at,
    reported_at,
    verified_at,
    dispatched_at,
    resolved_at,
    closed_at,
    reopened_at,
    rejected_at,
    rejected_at IS NULL AND (closed_at IS NULL OR (reopened_at IS NOT NULL AND reopened_at > closed_at)) AS is_open,
    resolved_at IS NULL OR (reopened_at IS NOT NULL AND reopened_at > resolved_at) AS is_unresolved,
    coalesce(verified_at, dispatched_at, resolved_at, closed_at, rejected_at) IS NULL AS is_unverified
FROM
(
    SELECT
        report_id,
        splitByChar('\t', min(report_state.origin)) AS origin,
        startsWith(origin[1], '0') AS reported,
        max(report_state.severity) AS severity,
        min(report_state.first_at) AS first_at,
        max(report_state.last_at) AS last_at,
        min(report_state.reported_at) AS reported_at,
        min(report_state.verified_at) AS verified_at,
        min(report_state.dispatched_at) AS dispatched_at,
        max(report_state.resolved_at) AS resolved_at,
        max(report_state.closed_at) AS closed_at,
        max(report_state.reopened_at) AS reopened_at,
        max(report_state.rejected_at) AS rejected_at
    FROM report_state
    GROUP BY report_id
);

TRUNCATE TABLE rollup_state;
