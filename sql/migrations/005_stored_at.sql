-- 005_stored_at: when each event row landed in the store, by the store's own clock.
--
-- Why: the live hub keeps the open and recent reports in memory and, each tick, reads only
-- the reports whose events landed since its last look (`stored_at > watermark`), so a tick
-- costs what changed, not the whole history. received_at can't serve: a spooled event is
-- accepted long before it is stored when the store was away. The minmax index lets that
-- look read only the newest parts.
-- Cost: the column is filled for existing rows with their received_at (one mutation that
-- rewrites this one column: seconds per 100M rows on a server, and it runs once); new rows
-- take the insert time from the DEFAULT, never from a source.

ALTER TABLE report_events ADD COLUMN stored_at DateTime64(3, 'UTC') DEFAULT received_at COMMENT 'When the row landed in the store (the store''s clock); received_at for rows stored before migration 005';

ALTER TABLE report_events MATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 2;

ALTER TABLE report_events MODIFY COLUMN stored_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When the row landed in the store (the store''s clock); received_at for rows stored before migration 005';

ALTER TABLE report_events ADD INDEX stored_at_minmax stored_at TYPE minmax GRANULARITY 1;

ALTER TABLE visit_events ADD COLUMN stored_at DateTime64(3, 'UTC') DEFAULT received_at COMMENT 'When the row landed in the store (the store''s clock); received_at for rows stored before migration 005';

ALTER TABLE visit_events MATERIALIZE COLUMN stored_at SETTINGS mutations_sync = 2;

ALTER TABLE visit_events MODIFY COLUMN stored_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When the row landed in the store (the store''s clock); received_at for rows stored before migration 005';

ALTER TABLE visit_events ADD INDEX stored_at_minmax stored_at TYPE minmax GRANULARITY 1
