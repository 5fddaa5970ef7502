-- trends_rollup_reports: what a review needs of the rollups (migration 008), summed per month and
-- per cut hour range, whatever the history; server/trends/readers.ts adds these sums up into the
-- review's periods (year to date, the bases cut at an hour) and reads the percentiles from the
-- histograms (server/trends/histogram.ts). Rows are partial sums (AggregatingMergeTree), hence the
-- GROUP BYs. Three parts, each one plain read and one GROUP BY (the third from two tables):
-- * 's', the scope per month {month_lo} … {month_hi}: its own rows (level {scope_level}, unit
--   {scope_unit}, under any parent); the city has none, so its districts ({scope_unit} = '').
--   Summed per month here, so months and years to date add up a few dozen histograms, not every
--   child's;
-- * 'u', each child unit (level {level} under {parent}) per month from {unit_from}, histograms
--   only from {unit_hist_from}: the review ranks units on their last two months and wants only
--   the categories of the others;
-- * 'h', each child unit over the hours {hours_a_from} ≤ h < {hours_a_to} (bucket 'a') and the
--   same for 'b': the part of a month cut at an hour (同期; an empty range reads nothing). The
--   scope's are their sum, so the hours are read once. The whole UTC days {days_a_from} ≤ d <
--   {days_a_to} inside the range are read from trends_daily (migration 011), the hours before and
--   after them from trends_hourly; a unit has up to two rows per bucket, summed by the reader.
-- Bucket: the month as YYYY-MM, or 'a'/'b'. A column an output alias hides (unit) is named with
-- its table where it is filtered on: WHERE sees aliases first.
-- Params: scope_level, scope_unit, level, parent: String; month_lo, month_hi, unit_from,
--   unit_hist_from: Date; hours_a_from, hours_a_to, hours_b_from, hours_b_to: DateTime64(3, 'UTC');
--   days_a_from, days_a_to, days_b_from, days_b_to: DateTime64(3, 'UTC'), UTC midnights inside
--   the range (both the range's end when it holds no whole UTC day: its hours are then all read
--   before them).
SELECT
    's' AS part,
    formatDateTime(month, '%Y-%m') AS bucket,
    '' AS unit,
    sum(reported) AS reported,
    sumMap(categories) AS categories,
    sum(mobile) AS mobile,
    sum(verified) AS verified,
    sum(verify_n) AS verify_n,
    sumMap(verify_hist) AS verify_hist,
    sum(resolved) AS resolved,
    sum(resolve_n) AS resolve_n,
    sumMap(resolve_hist) AS resolve_hist,
    sum(overran) AS overran,
    sum(closed) AS closed,
    sum(closed_on_time) AS closed_on_time,
    sum(reopened) AS reopened,
    sum(rejected) AS rejected
FROM trends_monthly
WHERE level = {scope_level:String}
    AND (({scope_unit:String} = '' AND parent = '') OR trends_monthly.unit = {scope_unit:String})
    AND month >= {month_lo:Date} AND month <= {month_hi:Date}
GROUP BY month
UNION ALL
SELECT
    'u' AS part,
    formatDateTime(month, '%Y-%m') AS bucket,
    unit,
    sum(reported) AS reported,
    sumMap(categories) AS categories,
    sum(mobile) AS mobile,
    sum(verified) AS verified,
    sum(verify_n) AS verify_n,
    sumMapIf(verify_hist, month >= {unit_hist_from:Date}) AS verify_hist,
    sum(resolved) AS resolved,
    sum(resolve_n) AS resolve_n,
    sumMapIf(resolve_hist, month >= {unit_hist_from:Date}) AS resolve_hist,
    sum(overran) AS overran,
    sum(closed) AS closed,
    sum(closed_on_time) AS closed_on_time,
    sum(reopened) AS reopened,
    sum(rejected) AS rejected
FROM trends_monthly
WHERE level = {level:String} AND parent = {parent:String} AND month >= {unit_from:Date} AND month <= {month_hi:Date}
GROUP BY month, unit
UNION ALL
SELECT
    'h' AS part,
    if(hour >= {hours_a_from:DateTime64(3, 'UTC')} AND hour < {hours_a_to:DateTime64(3, 'UTC')}, 'a', 'b') AS bucket,
    unit,
    sum(reported) AS reported,
    sumMap(categories) AS categories,
    sum(mobile) AS mobile,
    sum(verified) AS verified,
    sum(verify_n) AS verify_n,
    sumMap(verify_hist) AS verify_hist,
    sum(resolved) AS resolved,
    sum(resolve_n) AS resolve_n,
    sumMap(resolve_hist) AS resolve_hist,
    sum(overran) AS overran,
    sum(closed) AS closed,
    sum(closed_on_time) AS closed_on_time,
    sum(reopened) AS reopened,
    sum(rejected) AS rejected
FROM trends_hourly
WHERE level = {level:String} AND parent = {parent:String}
    AND ((hour >= {hours_a_from:DateTime64(3, 'UTC')} AND hour < {days_a_from:DateTime64(3, 'UTC')})
        OR (hour >= {days_a_to:DateTime64(3, 'UTC')} AND hour < {hours_a_to:DateTime64(3, 'UTC')})
        OR (hour >= {hours_b_from:DateTime64(3, 'UTC')} AND hour < {days_b_from:DateTime64(3, 'UTC')})
        OR (hour >= {days_b_to:DateTime64(3, 'UTC')} AND hour < {hours_b_to:DateTime64(3, 'UTC')}))
GROUP BY bucket, unit
UNION ALL
SELECT
    'h' AS part,
    if(day >= toDate({days_a_from:DateTime64(3, 'UTC')}) AND day < toDate({days_a_to:DateTime64(3, 'UTC')}), 'a', 'b') AS bucket,
    unit,
    sum(reported) AS reported,
    sumMap(categories) AS categories,
    sum(mobile) AS mobile,
    sum(verified) AS verified,
    sum(verify_n) AS verify_n,
    sumMap(verify_hist) AS verify_hist,
    sum(resolved) AS resolved,
    sum(resolve_n) AS resolve_n,
    sumMap(resolve_hist) AS resolve_hist,
    sum(overran) AS overran,
    sum(closed) AS closed,
    sum(closed_on_time) AS closed_on_time,
    sum(reopened) AS reopened,
    sum(rejected) AS rejected
FROM trends_daily
WHERE level = {level:String} AND parent = {parent:String}
    AND ((day >= toDate({days_a_from:DateTime64(3, 'UTC')}) AND day < toDate({days_a_to:DateTime64(3, 'UTC')}))
        OR (day >= toDate({days_b_from:DateTime64(3, 'UTC')}) AND day < toDate({days_b_to:DateTime64(3, 'UTC')})))
GROUP BY bucket, unit
