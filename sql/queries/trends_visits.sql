-- trends_visits: the weekly-visit rule (每周巡访) over months: household-weeks visited — for each
-- week, the key-population households visited in it, summed over the weeks of each month (or of
-- the whole range when {whole} = 1) — for the scope and each child unit (GROUPING SETS; unit ''
-- is the scope). The caller divides by the number of weeks (a week without any visit counts as
-- zero, which a GROUP BY here could not see). Weeks run Monday to Sunday in {tz} and belong to
-- the month their Monday falls in; a household visited twice in a week counts once, a resent
-- visit changes nothing.
-- A week is counted whole, also where it runs past the range's last day into the next month
-- ({visits_end} = end + 7 days); a period cut inside a month (a base of the month under way)
-- passes visits_end = end, counting its last week only so far, like the month it is compared with.
-- Only visits to households with a key-population group count.
-- Params: tz; start, end, visits_end: DateTime64(3, 'UTC') (exclusive ends); first_day, end_day: Date (the
--   local first days of the first month and of the month after the last); whole: UInt8;
--   scope_col, unit_col: Identifier; scope_code: String ('' for the city).
SELECT
    if({whole:UInt8} = 1, 'all', formatDateTime(week, '%Y-%m')) AS month,
    unit,
    sum(households) AS household_weeks
FROM
(
    SELECT
        toMonday(toTimeZone(at, {tz:String})) AS week,
        {unit_col:Identifier} AS unit,
        uniqExact(household) AS households
    FROM visit_events FINAL
    WHERE at >= {start:DateTime64(3, 'UTC')} AND at < {visits_end:DateTime64(3, 'UTC')}
        AND toMonday(toTimeZone(at, {tz:String})) >= {first_day:Date}
        AND toMonday(toTimeZone(at, {tz:String})) < {end_day:Date}
        AND notEmpty(groups)
        AND ({scope_code:String} = '' OR {scope_col:Identifier} = {scope_code:String})
    GROUP BY GROUPING SETS ((week), (week, unit))
)
GROUP BY month, unit
