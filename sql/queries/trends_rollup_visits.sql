-- trends_rollup_visits: trends_visits read from visit_weeks (migration 008), for several periods
-- in one read: period i ({labels}[i]) holds the weeks whose Monday is in {first_days}[i] ≤ week <
-- {end_days}[i], as household-weeks per month of that Monday (or as one row 'all' when
-- {wholes}[i] = 1), for the scope (its own row: a household is counted once however its visits
-- spread over units) and for each child unit. Weeks are whole: a week cut short is read from
-- visit_events (trends_visits_cut) by the caller.
-- Params: scope_level, level (the child level): String; scope_code: String ('' for the city);
--   labels: Array(String); first_days, end_days: Array(Date); wholes: Array(UInt8); day_lo,
--   day_hi: Date (bounds of all periods).
SELECT
    {labels:Array(String)}[i] AS label,
    if({wholes:Array(UInt8)}[i] = 1, 'all', formatDateTime(week, '%Y-%m')) AS month,
    u AS unit,
    sum(households) AS household_weeks
FROM
(
    SELECT week, if(level = {level:String}, unit, '') AS u, households
    FROM visit_weeks FINAL
    WHERE ((level = {level:String} AND parent = {scope_code:String}) OR (level = {scope_level:String} AND unit = {scope_code:String}))
        AND week >= {day_lo:Date} AND week < {day_hi:Date}
)
ARRAY JOIN arrayEnumerate({labels:Array(String)}) AS i
WHERE week >= {first_days:Array(Date)}[i] AND week < {end_days:Array(Date)}[i]
GROUP BY label, month, unit
