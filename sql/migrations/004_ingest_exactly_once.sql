-- 004_ingest_exactly_once: what the durable ingest spool needs from the event tables.
--
-- Why:
-- * content_hash: FNV-1a of an event's content (all but received_at and source). After a
--   restart ingest reloads the newest ids with their hashes, so a resend is still answered as
--   a duplicate and an id reused for other content is still refused.
-- * non_replicated_deduplication_window: the spool inserts each batch under a deduplication
--   token made of its frame range; when a crash makes it insert the same range again, the
--   engine drops the repeat. report_state needs the window too, or its view would count the
--   repeat (the view's target dedupes on its own).
-- * received_at_minmax: finding the newest events by arrival reads only the newest parts.
-- Cost: ADD COLUMN and MODIFY SETTING are metadata-only; old rows read content_hash = 0. ADD
-- INDEX covers parts written from now on (old parts are not rewritten; merges add it).

ALTER TABLE report_events ADD COLUMN content_hash UInt32 DEFAULT 0 COMMENT 'FNV-1a of the event content without received_at and source: the same event resent has the same hash; 0 before migration 004';

ALTER TABLE visit_events ADD COLUMN content_hash UInt32 DEFAULT 0 COMMENT 'FNV-1a of the event content without received_at and source; 0 before migration 004';

ALTER TABLE report_events MODIFY SETTING non_replicated_deduplication_window = 1000;

ALTER TABLE visit_events MODIFY SETTING non_replicated_deduplication_window = 1000;

ALTER TABLE report_state MODIFY SETTING non_replicated_deduplication_window = 1000;

ALTER TABLE report_events ADD INDEX received_at_minmax received_at TYPE minmax GRANULARITY 1;

ALTER TABLE visit_events ADD INDEX received_at_minmax received_at TYPE minmax GRANULARITY 1
