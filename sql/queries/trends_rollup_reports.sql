-- trends_rollup_reports: trends_reports read from the rollups (migration 008), for several periods
-- in one read. Period i ({labels}[i]) is the whole months {first_months}[i]…{last_months}[i]
-- (trends_monthly) and the hours {hours_from}[i] ≤ h < {hours_to}[i] (trends_hourly: the part of
-- a month cut at an hour; an empty range otherwise), per month or, when {wholes}[i] = 1, as one
-- row 'all'; for the scope (unit '': the sum of its children) and, for the periods in
-- {unit_labels}, each child unit. Durations come as histograms (server/trends/histogram.ts); a
-- unit's only for months from {unit_hist_from} (or a whole period): the review ranks units on
-- their last two months, and shipping every unit-month's histograms would cost more than the sums.
-- Params: level: String (the child level), parent: String (the scope's code, '' for the city);
--   labels: Array(String); first_months, last_months: Array(Date); hours_from, hours_to:
--   Array(DateTime64(3, 'UTC')); wholes: Array(UInt8); month_lo, month_hi: Date and the two
--   hour ranges any period reads, hours_a_from … hours_b_to: DateTime64(3, 'UTC') (so the key
--   prunes the read: the bases of a month under way are a year apart);
--   unit_labels: Array(String); unit_from, unit_hist_from: Date (units' months of 'monthly' from
--   unit_from, their histograms from unit_hist_from).
SELECT
    label,
    if(b = toDate('1970-01-01'), 'all', formatDateTime(b, '%Y-%m')) AS month,
    unit,
    sum(reported) AS reported,
    sumMap(categories) AS categories,
    sum(mobile) AS mobile,
    sum(verified) AS verified,
    if(unit = '' OR b = toDate('1970-01-01') OR b >= {unit_hist_from:Date}, sumMap(verify_hist), map()) AS verify_hist,
    sum(verify_n) AS verify_n,
    sum(resolved) AS resolved,
    if(unit = '' OR b = toDate('1970-01-01') OR b >= {unit_hist_from:Date}, sumMap(resolve_hist), map()) AS resolve_hist,
    sum(resolve_n) AS resolve_n,
    sum(overran) AS overran,
    sum(closed) AS closed,
    sum(closed_on_time) AS closed_on_time,
    sum(reopened) AS reopened,
    sum(rejected) AS rejected
FROM
(
    SELECT {labels:Array(String)}[i] AS label, m, {wholes:Array(UInt8)}[i] = 1 AS whole, if(whole, toDate('1970-01-01'), m) AS b,
        unit, reported, categories, mobile, verified, verify_hist, verify_n, resolved, resolve_hist,
        resolve_n, overran, closed, closed_on_time, reopened, rejected
    FROM
    (
        SELECT month AS m, unit, reported, categories, mobile, verified, verify_hist, verify_n, resolved, resolve_hist,
            resolve_n, overran, closed, closed_on_time, reopened, rejected
        FROM trends_monthly
        WHERE level = {level:String} AND parent = {parent:String} AND month >= {month_lo:Date} AND month <= {month_hi:Date}
    )
    ARRAY JOIN arrayEnumerate({labels:Array(String)}) AS i
    WHERE m >= {first_months:Array(Date)}[i] AND m <= {last_months:Array(Date)}[i]
    UNION ALL
    SELECT {labels:Array(String)}[i] AS label, toDate('1970-01-01') AS m, true AS whole, m AS b,
        unit, reported, categories, mobile, verified, verify_hist, verify_n, resolved, resolve_hist,
        resolve_n, overran, closed, closed_on_time, reopened, rejected
    FROM
    (
        SELECT hour, unit, reported, categories, mobile, verified, verify_hist, verify_n, resolved, resolve_hist,
            resolve_n, overran, closed, closed_on_time, reopened, rejected
        FROM trends_hourly
        WHERE level = {level:String} AND parent = {parent:String}
            AND ((hour >= {hours_a_from:DateTime64(3, 'UTC')} AND hour < {hours_a_to:DateTime64(3, 'UTC')})
                OR (hour >= {hours_b_from:DateTime64(3, 'UTC')} AND hour < {hours_b_to:DateTime64(3, 'UTC')}))
    )
    ARRAY JOIN arrayEnumerate({labels:Array(String)}) AS i
    WHERE hour >= {hours_from:Array(DateTime64(3, 'UTC'))}[i] AND hour < {hours_to:Array(DateTime64(3, 'UTC'))}[i]
)
GROUP BY GROUPING SETS ((label, b), (label, b, unit))
HAVING unit = '' OR (has({unit_labels:Array(String)}, label) AND (b = toDate('1970-01-01') OR b >= {unit_from:Date}))
