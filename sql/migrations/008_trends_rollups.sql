-- 008_trends_rollups: rollups for the leaders' monthly review (issue 6), so a review reads a few
-- hundred pre-summed rows instead of every report of the years it covers.
--
-- Why this shape:
-- * A report's figures depend on all its events (a duration needs its `reported` time, a
--   re-resolution moves it to another month), so a view over one inserted block of events cannot
--   sum them. Instead the rollup maintainer (server/trends/rollups.ts) folds each report whose
--   events were stored since its last pass into trends_contrib: the report's previous
--   contribution with sign -1 and its current one with sign +1 (nothing when it did not change).
--   Resends, late and out-of-order events only ever replace a contribution, so the sums stay
--   exact. CollapsingMergeTree drops cancelled pairs on merge: about one row per report remains.
-- * Two materialized views sum those signed contributions into trends_monthly (every month kept)
--   and trends_hourly (the last 400 days: a month under way is compared with its bases cut at the
--   same hour, 同期), for every level: a row is one unit (`unit`, under `parent`) in one period.
--   A review reads its scope's children (level = child level, parent = scope) and sums them.
-- * Durations are kept as histograms: key 0 no duration, 1 under 6 seconds, k ≥ 2 minutes in
--   [0.1·1.02^(k-2), 0.1·1.02^(k-1)); a percentile read from them is within 1% of the exact one
--   (server/trends/histogram.ts). Counts, including the SLA ones, are exact.
-- * Local months and hours (GRIDPULSE_TZ) and the SLA table are folded in; when either changes,
--   the maintainer empties these tables and folds everything again (rollup_state remembers both).
-- * Visits: visit_week_sets holds each unit-week's set of key-population households (uniqExact
--   states: a resend or a second visit adds nothing); visit_weeks holds the counts, recounted by
--   the maintainer for the unit-weeks it touched, so a review never merges sets.
-- Cost: new tables only. Existing history is folded by the maintainer on its first pass (in
-- chunks of report ids), while reviews are read from report_current as before.

CREATE TABLE trends_contrib
(
    report_id  String COMMENT 'The report',
    version    UInt64 COMMENT 'Fold that wrote this contribution (ms, increasing per report); a cancelling row repeats the version it cancels',
    sign       Int8 COMMENT '+1 adds the contribution, -1 cancels an earlier one',
    district   LowCardinality(String) COMMENT 'District code',
    street     LowCardinality(String) COMMENT 'Street code',
    community  LowCardinality(String) COMMENT 'Community code',
    grid       LowCardinality(String) COMMENT 'General grid code',
    category   LowCardinality(String) COMMENT 'Category of the reported event; empty until it arrives',
    mobile     UInt8 COMMENT '1 when reported by a mobile grid worker',
    steps      Array(Tuple(kind LowCardinality(String), month Date, hour DateTime('UTC'), bucket UInt16, flag UInt8)) COMMENT 'One per lifecycle step the report has: its local month, the start of its local hour, the histogram key of minutes from reported (0: none), flag = overran (resolved) or on time (closed)'
)
ENGINE = CollapsingMergeTree(sign)
ORDER BY (report_id, version)
COMMENT 'Each report''s contribution to the review rollups, signed; written only by the rollup maintainer';

CREATE TABLE trends_monthly
(
    level          LowCardinality(String) COMMENT 'district, street, community or grid',
    parent         String COMMENT 'Code of the unit''s parent; empty for districts (the city)',
    month          Date COMMENT 'First day of the local month (GRIDPULSE_TZ)',
    unit           String COMMENT 'Code of the unit',
    reported       SimpleAggregateFunction(sum, Int64) COMMENT 'Reports reported in the month',
    categories     SimpleAggregateFunction(sumMap, Map(String, Int64)) COMMENT 'Reported, by category',
    mobile         SimpleAggregateFunction(sum, Int64) COMMENT 'Reported by mobile grid workers',
    verified       SimpleAggregateFunction(sum, Int64) COMMENT 'First verified in the month',
    verify_n       SimpleAggregateFunction(sum, Int64) COMMENT 'Of those, with a duration (their reported event is known)',
    verify_hist    SimpleAggregateFunction(sumMap, Map(UInt16, Int64)) COMMENT 'Minutes from reported to verified, histogram (see migration comment)',
    resolved       SimpleAggregateFunction(sum, Int64) COMMENT 'Last resolved in the month',
    resolve_n      SimpleAggregateFunction(sum, Int64) COMMENT 'Of those, with a duration',
    resolve_hist   SimpleAggregateFunction(sumMap, Map(UInt16, Int64)) COMMENT 'Minutes from reported to resolved, histogram',
    overran        SimpleAggregateFunction(sum, Int64) COMMENT 'Resolved later than the category''s SLA',
    closed         SimpleAggregateFunction(sum, Int64) COMMENT 'Last closed in the month',
    closed_on_time SimpleAggregateFunction(sum, Int64) COMMENT 'Closed within the category''s SLA (按期结案)',
    reopened       SimpleAggregateFunction(sum, Int64) COMMENT 'Last reopened in the month (返工)',
    rejected       SimpleAggregateFunction(sum, Int64) COMMENT 'Rejected in the month'
)
ENGINE = AggregatingMergeTree
ORDER BY (level, parent, month, unit)
COMMENT 'The monthly review per unit and local month; sum rows with GROUP BY (see sql/README.md)';

CREATE TABLE trends_hourly
(
    level          LowCardinality(String) COMMENT 'district, street, community or grid',
    parent         String COMMENT 'Code of the unit''s parent; empty for districts',
    hour           DateTime('UTC') COMMENT 'Start of the local hour (GRIDPULSE_TZ), as an instant',
    unit           String COMMENT 'Code of the unit',
    reported       SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    categories     SimpleAggregateFunction(sumMap, Map(String, Int64)) COMMENT 'As in trends_monthly',
    mobile         SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    verified       SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    verify_n       SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    verify_hist    SimpleAggregateFunction(sumMap, Map(UInt16, Int64)) COMMENT 'As in trends_monthly',
    resolved       SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    resolve_n      SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    resolve_hist   SimpleAggregateFunction(sumMap, Map(UInt16, Int64)) COMMENT 'As in trends_monthly',
    overran        SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    closed         SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    closed_on_time SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    reopened       SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly',
    rejected       SimpleAggregateFunction(sum, Int64) COMMENT 'As in trends_monthly'
)
ENGINE = AggregatingMergeTree
ORDER BY (level, parent, hour, unit)
TTL hour + INTERVAL 400 DAY
COMMENT 'The review per unit and local hour, last 400 days: the bases of a month under way, cut at the same hour';

CREATE MATERIALIZED VIEW trends_monthly_mv TO trends_monthly AS
SELECT
    lv.1 AS level,
    lv.2 AS parent,
    step.month AS month,
    lv.3 AS unit,
    sumIf(toInt64(sign), step.kind = 'reported') AS reported,
    sumMapIf(map(toString(category), toInt64(sign)), step.kind = 'reported') AS categories,
    sumIf(toInt64(sign), step.kind = 'reported' AND mobile = 1) AS mobile,
    sumIf(toInt64(sign), step.kind = 'verified') AS verified,
    sumIf(toInt64(sign), step.kind = 'verified' AND step.bucket > 0) AS verify_n,
    sumMapIf(map(step.bucket, toInt64(sign)), step.kind = 'verified' AND step.bucket > 0) AS verify_hist,
    sumIf(toInt64(sign), step.kind = 'resolved') AS resolved,
    sumIf(toInt64(sign), step.kind = 'resolved' AND step.bucket > 0) AS resolve_n,
    sumMapIf(map(step.bucket, toInt64(sign)), step.kind = 'resolved' AND step.bucket > 0) AS resolve_hist,
    sumIf(toInt64(sign), step.kind = 'resolved' AND step.flag = 1) AS overran,
    sumIf(toInt64(sign), step.kind = 'closed') AS closed,
    sumIf(toInt64(sign), step.kind = 'closed' AND step.flag = 1) AS closed_on_time,
    sumIf(toInt64(sign), step.kind = 'reopened') AS reopened,
    sumIf(toInt64(sign), step.kind = 'rejected') AS rejected
FROM trends_contrib
ARRAY JOIN steps AS step
ARRAY JOIN [('district', '', toString(district)), ('street', toString(district), toString(street)),
    ('community', toString(street), toString(community)), ('grid', toString(community), toString(grid))] AS lv
GROUP BY level, parent, month, unit;

CREATE MATERIALIZED VIEW trends_hourly_mv TO trends_hourly AS
SELECT
    lv.1 AS level,
    lv.2 AS parent,
    step.hour AS hour,
    lv.3 AS unit,
    sumIf(toInt64(sign), step.kind = 'reported') AS reported,
    sumMapIf(map(toString(category), toInt64(sign)), step.kind = 'reported') AS categories,
    sumIf(toInt64(sign), step.kind = 'reported' AND mobile = 1) AS mobile,
    sumIf(toInt64(sign), step.kind = 'verified') AS verified,
    sumIf(toInt64(sign), step.kind = 'verified' AND step.bucket > 0) AS verify_n,
    sumMapIf(map(step.bucket, toInt64(sign)), step.kind = 'verified' AND step.bucket > 0) AS verify_hist,
    sumIf(toInt64(sign), step.kind = 'resolved') AS resolved,
    sumIf(toInt64(sign), step.kind = 'resolved' AND step.bucket > 0) AS resolve_n,
    sumMapIf(map(step.bucket, toInt64(sign)), step.kind = 'resolved' AND step.bucket > 0) AS resolve_hist,
    sumIf(toInt64(sign), step.kind = 'resolved' AND step.flag = 1) AS overran,
    sumIf(toInt64(sign), step.kind = 'closed') AS closed,
    sumIf(toInt64(sign), step.kind = 'closed' AND step.flag = 1) AS closed_on_time,
    sumIf(toInt64(sign), step.kind = 'reopened') AS reopened,
    sumIf(toInt64(sign), step.kind = 'rejected') AS rejected
FROM trends_contrib
ARRAY JOIN steps AS step
ARRAY JOIN [('district', '', toString(district)), ('street', toString(district), toString(street)),
    ('community', toString(street), toString(community)), ('grid', toString(community), toString(grid))] AS lv
WHERE step.hour >= now() - INTERVAL 400 DAY
GROUP BY level, parent, hour, unit;

CREATE TABLE visit_week_sets
(
    level      LowCardinality(String) COMMENT 'city, district, street, community or grid',
    parent     String COMMENT 'Code of the unit''s parent; empty for the city and districts',
    week       Date COMMENT 'Monday of the local week (GRIDPULSE_TZ)',
    unit       String COMMENT 'Code of the unit; empty for the city',
    households AggregateFunction(uniqExact, String) COMMENT 'Key-population households visited in the week'
)
ENGINE = AggregatingMergeTree
ORDER BY (level, parent, week, unit)
COMMENT 'Households visited per unit and week, as sets; written only by the rollup maintainer';

CREATE TABLE visit_weeks
(
    level      LowCardinality(String) COMMENT 'city, district, street, community or grid',
    parent     String COMMENT 'Code of the unit''s parent; empty for the city and districts',
    week       Date COMMENT 'Monday of the local week',
    unit       String COMMENT 'Code of the unit; empty for the city',
    households UInt64 COMMENT 'Key-population households visited in the week (每周巡访)',
    version    UInt64 COMMENT 'Fold that counted it; the latest wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (level, parent, week, unit)
COMMENT 'Households visited per unit and week; read with FINAL';

CREATE TABLE rollup_state
(
    name        String COMMENT 'Which rollup: trends',
    through     DateTime64(3, 'UTC') COMMENT 'Every event stored before this instant (less a settling margin) is folded',
    tz          String COMMENT 'GRIDPULSE_TZ the rollups were folded in',
    sla         String COMMENT 'The SLA table they were folded with (JSON)',
    version     UInt64 COMMENT 'Last write wins'
)
ENGINE = ReplacingMergeTree(version)
ORDER BY name
COMMENT 'How far the rollup maintainer has folded, and under which time zone and SLA'
