-- open_reports: reports still open now, with their lifecycle so far (the demo simulator resumes
-- them after a restart). Params: limit: UInt32.
SELECT
    report_id,
    max(micro_grid) AS micro_grid,
    max(category) AS category,
    min(reported_at) AS reported_at,
    min(verified_at) AS verified_at,
    min(dispatched_at) AS dispatched_at,
    max(resolved_at) AS resolved_at
FROM report_state
GROUP BY report_id
HAVING reported_at IS NOT NULL AND max(rejected_at) IS NULL
   AND (max(closed_at) IS NULL OR (max(reopened_at) IS NOT NULL AND max(reopened_at) > max(closed_at)))
LIMIT {limit:UInt32}
