-- trends_visits_cut: the key-population households visited in the week a cut base ends in, from
-- its Monday {start_a} to the cut {end_a} (and the same for a second base: {start_b}, {end_b};
-- pass an empty range when there is none), for the scope (unit '') and each child unit. The
-- rest of such a base is whole weeks, read from visit_weeks (trends_rollup_visits).
-- Params: start_a, end_a, start_b, end_b: DateTime64(3, 'UTC'); scope_col, unit_col: Identifier;
--   scope_code: String ('' for the city).
SELECT label, unit, uniqExact(household) AS household_weeks
FROM
(
    SELECT 'a' AS label, {unit_col:Identifier} AS unit, household
    FROM visit_events FINAL
    WHERE at >= {start_a:DateTime64(3, 'UTC')} AND at < {end_a:DateTime64(3, 'UTC')} AND notEmpty(groups)
        AND ({scope_code:String} = '' OR {scope_col:Identifier} = {scope_code:String})
    UNION ALL
    SELECT 'b' AS label, {unit_col:Identifier} AS unit, household
    FROM visit_events FINAL
    WHERE at >= {start_b:DateTime64(3, 'UTC')} AND at < {end_b:DateTime64(3, 'UTC')} AND notEmpty(groups)
        AND ({scope_code:String} = '' OR {scope_col:Identifier} = {scope_code:String})
)
GROUP BY GROUPING SETS ((label), (label, unit))
