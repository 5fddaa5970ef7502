-- place_boundaries_version: changes whenever boundaries are written (every write adds rows with
-- a newer updated_at), so the map route rebuilds its answers only then.
SELECT count() AS rows, toString(max(updated_at)) AS newest FROM place_boundaries
