-- place_boundaries_of: the boundaries in force of some places (a scope and its children), for
-- the map route; places without one are simply not in the answer.
-- Params: codes: Array(String).
SELECT code, geometry
FROM place_boundaries FINAL
WHERE code IN {codes:Array(String)}
