-- trends_fold_visit_weeks: recounts, into visit_weeks, the unit-weeks that visits stored after
-- {since} touched (run after trends_fold_visit_sets), from their whole sets.
-- Params: since: DateTime64(3, 'UTC'); tz; version: UInt64.
INSERT INTO visit_weeks (level, parent, week, unit, households, version)
SELECT level, parent, week, unit, uniqExactMerge(households), {version:UInt64}
FROM visit_week_sets
WHERE (level, parent, week, unit) IN
(
    SELECT DISTINCT lv.1, lv.2, toMonday(toTimeZone(at, {tz:String})), lv.3
    FROM visit_events
    ARRAY JOIN [('city', '', ''), ('district', '', toString(district)), ('street', toString(district), toString(street)),
        ('community', toString(street), toString(community)), ('grid', toString(community), toString(grid))] AS lv
    WHERE stored_at > {since:DateTime64(3, 'UTC')} AND notEmpty(groups)
)
GROUP BY level, parent, week, unit
