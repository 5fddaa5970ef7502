-- trends_rollup_reports: trends_reports read from the rollups (migration 008): per month (or over
-- the whole span when {whole} = 1) for the scope and each child unit (GROUPING SETS: unit '' is
-- the scope, the sum of its children). Whole months {first_month}…{last_month} come from
-- trends_monthly; hours {hours_from} ≤ h < {hours_to} (the part of a month cut at an hour; an
-- empty range otherwise) from trends_hourly. Durations come as histograms (server/trends/histogram.ts).
-- Params: level: String (the child level), parent: String (the scope's code, '' for the city);
--   first_month, last_month: Date; hours_from, hours_to: DateTime64(3, 'UTC'); whole: UInt8.
SELECT
    if({whole:UInt8} = 1, 'all', formatDateTime(m, '%Y-%m')) AS month,
    unit,
    sum(reported) AS reported,
    sumMap(categories) AS categories,
    sum(mobile) AS mobile,
    sum(verified) AS verified,
    sumMap(verify_hist) AS verify_hist,
    sum(verify_n) AS verify_n,
    sum(resolved) AS resolved,
    sumMap(resolve_hist) AS resolve_hist,
    sum(resolve_n) AS resolve_n,
    sum(overran) AS overran,
    sum(closed) AS closed,
    sum(closed_on_time) AS closed_on_time,
    sum(reopened) AS reopened,
    sum(rejected) AS rejected
FROM
(
    SELECT month AS m, unit, reported, categories, mobile, verified, verify_hist, verify_n, resolved, resolve_hist,
        resolve_n, overran, closed, closed_on_time, reopened, rejected
    FROM trends_monthly
    WHERE level = {level:String} AND parent = {parent:String} AND month >= {first_month:Date} AND month <= {last_month:Date}
    UNION ALL
    SELECT toDate('1970-01-01') AS m, unit, reported, categories, mobile, verified, verify_hist, verify_n, resolved, resolve_hist,
        resolve_n, overran, closed, closed_on_time, reopened, rejected
    FROM trends_hourly
    WHERE level = {level:String} AND parent = {parent:String}
        AND hour >= {hours_from:DateTime64(3, 'UTC')} AND hour < {hours_to:DateTime64(3, 'UTC')}
)
GROUP BY GROUPING SETS ((month), (month, unit))
