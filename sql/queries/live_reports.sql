-- live_reports: the reports the live wall needs (columns of the live_report_state view, times
-- in ms): every report still open, and every report with an event since {since} (the start of
-- yesterday: today's and yesterday's figures, the last 24 hours). Read in full when the hub
-- starts; after that the hub reads only what changed (live_reports_changed).
-- Params: since: DateTime64(3, 'UTC').
SELECT * EXCEPT (is_open, last_time)
FROM live_report_state
WHERE is_open OR last_time >= {since:DateTime64(3, 'UTC')}
