-- 011_trends_fine_granules: the review rollups read a few hundred rows, so they are stored in
-- small granules, and a month cut at an hour is read mostly from whole days.
--
-- Why: a review reads a few rows per unit and period (a scope's 36 months; its children's months;
-- their hours of two cut months), but trends_monthly and trends_hourly were stored in the default
-- granules of 8,192 rows, so each read took whole granules of neighbouring units and hours and
-- summed their histograms too. At 100M stored events a city review read ~150k rows of
-- trends_hourly to use ~7k, and took 110-150 ms; with granules of 256 rows and the days below it
-- takes ~60 ms (BENCHMARKS.md). The granule size cannot be altered in place, so both tables are
-- rebuilt: the views that feed them are dropped, the rows copied into new tables that then take
-- the old ones' places (EXCHANGE, atomic per table), the old ones dropped, and the views created
-- again exactly as in 008.
-- * Safe to run again from the start, wherever it stopped (the migrator records it only at the
--   end): it first drops what a stopped run may have left (views, copies, trends_daily), and a
--   copy made of tables already exchanged holds the same rows. EXCHANGE needs an Atomic
--   database on a server (the default since ClickHouse 20.10); the embedded engine has it.
-- * trends_daily: trends_hourly summed per UTC day (the day of each local hour's start instant),
--   last 400 days. A month cut at an hour (server/trends/readers.ts) is read as whole UTC days
--   from here plus the hours before the first and after the last UTC midnight from
--   trends_hourly: ~25 rows a unit instead of ~600. UTC days, not local ones, because the view
--   cannot know GRIDPULSE_TZ, and any range of whole hours splits exactly into UTC days and hours
--   in every time zone. Internal to the review (not in the console's tables: a UTC day is not a
--   day anyone in the deployment's zone means). It starts as the sum of trends_hourly.
-- Cost: a copy of trends_monthly and trends_hourly and one pass over trends_hourly: ~1 minute at
-- 100M stored events (14M hourly rows). Nothing may fold meanwhile: migrations run at start,
-- before this process's rollup maintainer. Stop every replica before starting this version (an
-- old one folding during the copy would lose view writes, and its refold would not empty
-- trends_daily); should writes be lost anyway, the new maintainer's first pass finds them
-- (rollup_check compares the monthly, hourly and daily sums with the contributions) and folds
-- everything again.

DROP VIEW IF EXISTS trends_monthly_mv;

DROP VIEW IF EXISTS trends_hourly_mv;

DROP VIEW IF EXISTS trends_daily_mv;

DROP TABLE IF EXISTS trends_monthly_011;

DROP TABLE IF EXISTS trends_hourly_011;

DROP TABLE IF EXISTS trends_daily;

CREATE TABLE trends_monthly_011 AS trends_monthly
ENGINE = AggregatingMergeTree
ORDER BY (level, parent, month, unit)
SETTINGS index_granularity = 256
COMMENT 'The monthly review per unit and local month; sum rows with GROUP BY (see sql/README.md)';

CREATE TABLE trends_hourly_011 AS trends_hourly
ENGINE = AggregatingMergeTree
ORDER BY (level, parent, hour, unit)
TTL hour + INTERVAL 400 DAY
SETTINGS index_granularity = 256
COMMENT 'The review per unit and local hour, last 400 days: the bases of a month under way, cut at the same hour';

INSERT INTO trends_monthly_011 SELECT * FROM trends_monthly;

INSERT INTO trends_hourly_011 SELECT * FROM trends_hourly;

EXCHANGE TABLES trends_monthly AND trends_monthly_011;

EXCHANGE TABLES trends_hourly AND trends_hourly_011;

DROP TABLE trends_monthly_011;

DROP TABLE trends_hourly_011;

CREATE TABLE trends_daily
(
    level          LowCardinality(String) COMMENT 'district, street, community or grid',
    parent         String COMMENT 'Code of the unit''s parent; empty for districts',
    day            Date COMMENT 'UTC day of the start instants of the local hours summed (see the migration comment)',
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
ORDER BY (level, parent, day, unit)
TTL day + INTERVAL 400 DAY
SETTINGS index_granularity = 256
COMMENT 'trends_hourly summed per UTC day, last 400 days: the whole days of a month cut at an hour (internal to the review)';

INSERT INTO trends_daily
SELECT level, parent, toDate(hour) AS day, unit, sum(reported), sumMap(categories), sum(mobile), sum(verified), sum(verify_n),
    sumMap(verify_hist), sum(resolved), sum(resolve_n), sumMap(resolve_hist), sum(overran), sum(closed), sum(closed_on_time),
    sum(reopened), sum(rejected)
FROM trends_hourly
GROUP BY level, parent, day, unit;

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

CREATE MATERIALIZED VIEW trends_daily_mv TO trends_daily AS
SELECT
    lv.1 AS level,
    lv.2 AS parent,
    toDate(step.hour) AS day,
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
GROUP BY level, parent, day, unit;
