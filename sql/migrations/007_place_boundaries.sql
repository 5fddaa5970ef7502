-- 007_place_boundaries: the registry's boundaries (DESIGN §4), one GeoJSON geometry per place,
-- for the wall's map.
--
-- Why a table of its own rather than places.boundary (001, never written): a registry import
-- writes a new version of every place from a CSV that has no boundaries, so boundaries kept in
-- `places` would be wiped by each import; boundaries come from their own GeoJSON import (or the
-- demo generator) instead. They are also large next to the rest of a place, and `places` is
-- read in full by every ingest process; the map reads boundaries per scope. places.boundary
-- stays (dropping it gains nothing) and its comment now says where boundaries are.
-- Versioned like `places`: ReplacingMergeTree(updated_at), read with FINAL; a later import of a
-- place's boundary replaces the earlier one.
-- Cost: a new, empty table and a metadata-only column comment.

CREATE TABLE place_boundaries
(
    code       String COMMENT 'Registry code of the place (places.code)',
    geometry   String COMMENT 'GeoJSON geometry (RFC 7946): Polygon or MultiPolygon of [longitude, latitude] positions, WGS84',
    source     LowCardinality(String) COMMENT 'Where it came from: import (an operator''s GeoJSON file) or demo (generated with the demo registry)',
    updated_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When this version of the boundary was written'
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY code
COMMENT 'Place boundaries for the wall''s map, one per place; read with FINAL';

ALTER TABLE places COMMENT COLUMN boundary 'Unused: boundaries live in place_boundaries (migration 007)'
