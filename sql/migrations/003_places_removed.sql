-- 003_places_removed: lets a registry import remove places.
--
-- Why: an admin's registry import is the whole registry; places it no longer lists must leave
-- the registry, but `places` is a ReplacingMergeTree (latest version per code wins), so a
-- removal is written as a newer version with removed = 1. Events keep their codes as history.
-- Cost: a metadata-only ALTER; existing rows read as removed = 0.

ALTER TABLE places ADD COLUMN removed UInt8 DEFAULT 0 COMMENT '1 when a later registry import no longer lists this place'
