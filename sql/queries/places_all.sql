-- places_all: the whole registry, latest version of each place, parents before children.
SELECT code, level, parent, name, name_en, households, key_households, lat, lon
FROM places FINAL
ORDER BY level, code
