-- last_event_at: how far each stream reaches, to see whether the store is empty and where a
-- demo gap fill should continue from (the newest *reported* event: lifecycle steps run ahead
-- of the reports they belong to, so they would overstate how far history reaches).
SELECT
    (SELECT count() FROM report_events) AS report_events,
    (SELECT max(at) FROM report_events WHERE type = 'reported') AS reports_max_at,
    (SELECT count() FROM visit_events) AS visit_events,
    (SELECT max(at) FROM visit_events) AS visits_max_at
