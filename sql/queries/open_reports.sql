-- open_reports: reports still open now, with their lifecycle so far (the demo simulator resumes
-- them after a restart). Params: limit: UInt32.
SELECT report_id, micro_grid, category, reported_at, verified_at, dispatched_at, resolved_at
FROM report_current
WHERE is_open AND reported_at IS NOT NULL
LIMIT {limit:UInt32}
