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
-- * `origin` is min((rank, at, event_id, place…, category, channel, reporter_role)) with rank 0
--   for a `reported` event and 1 for any other: the earliest `reported` event (ties by event_id),
--   or, until one arrives, the earliest event, which still places the report. Still order-free
--   and idempotent (a min), so late, resent and out-of-order events give the same state.
--   category, channel and reporter_role are read only from a `reported` origin: a later step's
--   role is who handled it, not who reported.
-- * severity stays the highest seen (an escalation), first_at … rejected_at are unchanged.
-- * report_current keeps its columns and names, so the live hub, the review and saved console
--   queries over it read the new meaning unchanged; report_state loses micro_grid … reporter_role
--   (a console query must read them from report_current, or from report_state's origin).
-- * The review rollups are folded again from the start (rollup_state emptied): every report's
--   contribution may have moved. Until that fold completes, reviews are read from report_current.
-- Safe to run again from the start: the backfill inserts every report's state again, which min
-- and max absorb; the column changes are IF [NOT] EXISTS.
-- Cost: one pass over report_events grouped by report (the backfill), then the rollups' fold
-- from the start (25-39 min at 100M stored events, BENCHMARKS.md). Stop every replica first.

DROP VIEW IF EXISTS report_state_mv;

ALTER TABLE report_state
    ADD COLUMN IF NOT EXISTS origin SimpleAggregateFunction(min, Tuple(rank UInt8, at DateTime64(3, 'UTC'), event_id String,
        micro_grid String, grid String, community String, street String, district String, category String, channel String, reporter_role String))
        DEFAULT (255, toDateTime64(0, 3, 'UTC'), '', '', '', '', '', '', '', '', '')
        COMMENT 'The event that says where and what the report is: its first reported event (rank 0), else its earliest (rank 1); 255 on rows written before migration 012'
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
    min((toUInt8(type != 'reported'), at, event_id, toString(micro_grid), toString(grid), toString(community), toString(street),
        toString(district), toString(category), toString(channel), toString(reporter_role))) AS origin,
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
    min((toUInt8(type != 'reported'), at, event_id, toString(micro_grid), toString(grid), toString(community), toString(street),
        toString(district), toString(category), toString(channel), toString(reporter_role))) AS origin,
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
    min(report_state.origin) AS origin,
    origin.micro_grid AS micro_grid,
    origin.grid AS grid,
    origin.community AS community,
    origin.street AS street,
    origin.district AS district,
    if(origin.rank = 0, origin.category, '') AS category,
    if(origin.rank = 0, origin.channel, '') AS channel,
    if(origin.rank = 0, origin.reporter_role, '') AS reporter_role,
    max(severity) AS severity,
    min(first_at) AS first_at,
    max(last_at) AS last_at,
    min(reported_at) AS reported_at,
    min(verified_at) AS verified_at,
    min(dispatched_at) AS dispatched_at,
    max(resolved_at) AS resolved_at,
    max(closed_at) AS closed_at,
    max(reopened_at) AS reopened_at,
    max(rejected_at) AS rejected_at,
    rejected_at IS NULL AND (closed_at IS NULL OR (reopened_at IS NOT NULL AND reopened_at > closed_at)) AS is_open,
    resolved_at IS NULL OR (reopened_at IS NOT NULL AND reopened_at > resolved_at) AS is_unresolved,
    coalesce(verified_at, dispatched_at, resolved_at, closed_at, rejected_at) IS NULL AS is_unverified
FROM report_state
GROUP BY report_id;

TRUNCATE TABLE rollup_state;
