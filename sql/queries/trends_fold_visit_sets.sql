-- trends_fold_visit_sets: adds the key-population visits stored after {since} to visit_week_sets
-- (migration 008), per level and local week ({tz}). A set union: a resend, a second visit in the
-- week or reading a few seconds twice adds nothing.
-- Params: since: DateTime64(3, 'UTC'); tz.
INSERT INTO visit_week_sets (level, parent, week, unit, households)
SELECT lv.1 AS level, lv.2 AS parent, toMonday(toTimeZone(at, {tz:String})) AS week, lv.3 AS unit, uniqExactState(household)
FROM visit_events
ARRAY JOIN [('city', '', ''), ('district', '', toString(district)), ('street', toString(district), toString(street)),
    ('community', toString(street), toString(community)), ('grid', toString(community), toString(grid))] AS lv
WHERE stored_at > {since:DateTime64(3, 'UTC')} AND notEmpty(groups)
GROUP BY level, parent, week, unit
