-- h3_rings: boundary rings of H3 cells for the wall's hex layer, as (lat, lon) tuples. The hub
-- asks only for cells it has not drawn before, so this runs rarely.
-- Params: cells: Array(String) of H3 strings.
SELECT cell, h3ToGeoBoundary(stringToH3(cell)) AS ring
FROM (SELECT arrayJoin({cells:Array(String)}) AS cell)
