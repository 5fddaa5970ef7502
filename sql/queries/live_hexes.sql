-- live_hexes: reports of the last 7 days (and of them the last 24 hours) per micro-grid and H3
-- cell, at resolution 10 and its parents 9, 8 and 7 (the wall maps a community at 10, a street
-- at 9, a district at 8, the city at 7). Where the source sent no coordinates the micro-grid's
-- centroid stands in. Distinct reports, so a resent event counts once. Cells as H3 strings
-- (64-bit ids would lose precision as JSON numbers).
-- Params: since7, since24, until: DateTime64(3, 'UTC').
SELECT
    micro_grid,
    h3ToString(cell) AS c10,
    h3ToString(h3ToParent(cell, 9)) AS c9,
    h3ToString(h3ToParent(cell, 8)) AS c8,
    h3ToString(h3ToParent(cell, 7)) AS c7,
    uniqExact(report_id) AS n7,
    uniqExactIf(report_id, at >= {since24:DateTime64(3, 'UTC')}) AS n24
FROM
(
    SELECT
        e.report_id AS report_id,
        e.micro_grid AS micro_grid,
        e.at AS at,
        geoToH3(coalesce(e.lat, p.lat), coalesce(e.lon, p.lon), 10) AS cell
    FROM report_events AS e
    LEFT JOIN (SELECT code, lat, lon FROM places FINAL WHERE removed = 0 AND level = 'micro_grid') AS p ON p.code = e.micro_grid
    WHERE e.type = 'reported' AND e.at >= {since7:DateTime64(3, 'UTC')} AND e.at <= {until:DateTime64(3, 'UTC')}
)
WHERE cell != 0
GROUP BY micro_grid, cell
-- Without coordinates and without a centroid (a micro-grid since removed), no cell, not (0, 0)'s.
SETTINGS join_use_nulls = 1
