-- trends_rollup_visits: trends_visits read from visit_weeks (migration 008): household-weeks of
-- the weeks whose Monday is in {first_day} ≤ week < {end_day}, per month of that Monday (or over
-- all of them when {whole} = 1), for the scope (its own row: a household is counted once however
-- its visits spread over units) and for each child unit. Weeks are whole: a week cut short is
-- read from visit_events (trends_visits) by the caller.
-- Params: scope_level, level (the child level): String; scope_code: String ('' for the city);
--   first_day, end_day: Date; whole: UInt8.
SELECT
    if({whole:UInt8} = 1, 'all', formatDateTime(week, '%Y-%m')) AS month,
    u AS unit,
    sum(households) AS household_weeks
FROM
(
    SELECT week, if(level = {level:String}, unit, '') AS u, households
    FROM visit_weeks FINAL
    WHERE ((level = {level:String} AND parent = {scope_code:String}) OR (level = {scope_level:String} AND unit = {scope_code:String}))
        AND week >= {first_day:Date} AND week < {end_day:Date}
)
GROUP BY month, u
