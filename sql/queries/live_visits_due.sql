-- live_visits_due: the households overdue for their weekly visit, the longest-unvisited {n}
-- per community (a district's or the city's most overdue are among its communities'). A
-- household is placed, as in live_visits, at the micro-grid and community of its latest visit
-- in the last 60 days, and is due when that visit is older than {since7}; households not seen
-- for 60 days are out of the horizon. groups: every key-population group its visits named.
-- last_at_ms: that visit in ms since epoch, as a string (a 64-bit integer loses precision as a JSON number).
-- Params: since7, since60, until: DateTime64(3, 'UTC'); n: UInt32 (VISIT_DUE_LIST).
SELECT
    household,
    place.1 AS micro_grid,
    place.2 AS community,
    toString(toUnixTimestamp64Milli(last_at)) AS last_at_ms,
    all_groups AS groups
FROM
(
    SELECT
        household,
        argMax((micro_grid, community), at) AS place,
        max(at) AS last_at,
        arraySort(groupUniqArrayArray(groups)) AS all_groups
    FROM visit_events FINAL
    WHERE at >= {since60:DateTime64(3, 'UTC')} AND at <= {until:DateTime64(3, 'UTC')} AND notEmpty(groups)
    GROUP BY household
    HAVING last_at < {since7:DateTime64(3, 'UTC')}
)
ORDER BY last_at ASC, household ASC
LIMIT {n:UInt32} BY community
