-- report_count: about how many reports a rollup fold will read — every report ({all} = 1; rows
-- of report_state not yet merged count twice) or those with events stored after {since}; sizes
-- the fold's chunks.
-- Params: all: UInt8; since: DateTime64(3, 'UTC').
SELECT if({all:UInt8} = 1, (SELECT count() FROM report_state), (SELECT uniq(report_id) FROM report_events WHERE stored_at > {since:DateTime64(3, 'UTC')})) AS n
