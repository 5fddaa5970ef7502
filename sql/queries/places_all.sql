-- places_all: the registry in force, latest version of each place, parents before children.
SELECT code, level, parent, name, name_en, households, key_households, lat, lon
FROM places FINAL
WHERE removed = 0
ORDER BY level, code
