-- places_version: changes whenever a registry import writes (every write adds rows with a
-- newer updated_at), so a process following the registry reads it again only then.
SELECT count() AS rows, toString(max(updated_at)) AS newest FROM places
