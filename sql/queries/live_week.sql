-- live_week: the wall's 7-day figures per micro-grid and local hour of report: reports made,
-- reports resolved, and of those how many within their category's resolve SLA. The hub sums
-- them up the registry tree for the 7-day heatmap and the fair ranking, once a minute.
-- Only reports with a reported or resolved event in the window are grouped (the events'
-- `at` prunes partitions), so the cost follows a week of activity, not all history.
-- Resolved counts sit in the hour of their report (-1 when the report's own event is missing).
-- Params: since, until: DateTime64(3, 'UTC'); tz: the deployment's zone;
--   categories, resolve_min: the SLA table (parallel arrays); default_resolve_min.
SELECT
    micro_grid,
    if(reported IS NULL, -1, toHour(assumeNotNull(reported), {tz:String})) AS hour,
    countIf(reported >= {since:DateTime64(3, 'UTC')} AND reported <= {until:DateTime64(3, 'UTC')}) AS reported_n,
    countIf(resolved_in) AS resolved_n,
    countIf(resolved_in AND reported IS NOT NULL
        AND dateDiff('second', assumeNotNull(reported), assumeNotNull(resolved))
            <= 60 * transform(category, {categories:Array(String)}, {resolve_min:Array(UInt32)}, {default_resolve_min:UInt32})) AS on_time
FROM
(
    SELECT
        report_id,
        splitByChar('\t', min(origin)) AS o,
        o[2] AS micro_grid,
        if(startsWith(o[1], '0'), o[7], '') AS category,
        min(report_state.reported_at) AS reported,
        max(report_state.resolved_at) AS resolved,
        resolved >= {since:DateTime64(3, 'UTC')} AND resolved <= {until:DateTime64(3, 'UTC')} AS resolved_in
    FROM report_state
    WHERE report_id IN (
        SELECT report_id FROM report_events
        WHERE at >= {since:DateTime64(3, 'UTC')} AND at <= {until:DateTime64(3, 'UTC')} AND type IN ('reported', 'resolved')
    )
    GROUP BY report_id
)
GROUP BY micro_grid, hour
