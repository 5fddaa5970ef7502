-- trends_rollup_visits: what a review needs of the visits, whatever the history; server/trends/
-- readers.ts adds the weeks up into the review's periods. Two parts:
-- * 'w', the key-population households visited per whole week (visit_weeks, migration 008; the
--   bucket is its Monday, YYYY-MM-DD) from {day_lo} to before {day_hi}: the scope's own row
--   (unit ''; a household is counted once however its visits spread over units) and, from
--   {unit_day_lo}, each child unit's (level {level} under {scope_code});
-- * 'c', a week cut short, read from visit_events: from its Monday {start_a} to the cut {end_a}
--   (bucket 'a') and the same for a second base ({start_b}, {end_b}; an empty range when there is
--   none), for the scope (unit '') and each child unit. Households are told apart by a 64-bit
--   hash: faster to count than the strings (BENCHMARKS.md, "At scale"), and two of a week's
--   ~10^5 households share one with a chance of ~10^-10.
-- Params: scope_level, level: String; scope_code: String ('' for the city); day_lo, day_hi,
--   unit_day_lo: Date; start_a, end_a, start_b, end_b: DateTime64(3, 'UTC'); scope_col, unit_col:
--   Identifier (the scope's and the child level's columns of visit_events). A column an output
--   alias hides (unit) is named with its table: WHERE sees aliases first.
SELECT 'w' AS part, toString(week) AS bucket, if(level = {level:String}, visit_weeks.unit, '') AS unit, sum(households) AS household_weeks
FROM visit_weeks FINAL
WHERE ((level = {level:String} AND parent = {scope_code:String} AND week >= {unit_day_lo:Date})
        OR (level = {scope_level:String} AND visit_weeks.unit = {scope_code:String}))
    AND week >= {day_lo:Date} AND week < {day_hi:Date}
GROUP BY bucket, unit
UNION ALL
SELECT
    'c' AS part,
    if(at >= {start_a:DateTime64(3, 'UTC')} AND at < {end_a:DateTime64(3, 'UTC')}, 'a', 'b') AS bucket,
    {unit_col:Identifier} AS unit,
    uniqExact(cityHash64(household)) AS household_weeks
FROM visit_events FINAL
WHERE ((at >= {start_a:DateTime64(3, 'UTC')} AND at < {end_a:DateTime64(3, 'UTC')})
        OR (at >= {start_b:DateTime64(3, 'UTC')} AND at < {end_b:DateTime64(3, 'UTC')}))
    AND notEmpty(groups) AND ({scope_code:String} = '' OR {scope_col:Identifier} = {scope_code:String})
GROUP BY GROUPING SETS ((bucket), (bucket, unit))
