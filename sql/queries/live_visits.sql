-- live_visits: the weekly-visit rule (每周巡访) per micro-grid, for the live wall. Each household
-- seen in the last 60 days counts once, at the micro-grid of its latest visit (a household that
-- moved is counted where it lives now, never twice): visited when that visit is at or after
-- {since7} (now − 7 days), due when it is older. Both counts come from one grouped pass.
-- Params: since7, since60, until: DateTime64(3, 'UTC') (now − 7 days, now − 60 days, now).
SELECT
    mg AS micro_grid,
    toUInt32(countIf(last_at >= {since7:DateTime64(3, 'UTC')})) AS visited,
    toUInt32(countIf(last_at < {since7:DateTime64(3, 'UTC')})) AS due
FROM
(
    SELECT household, argMax(micro_grid, at) AS mg, max(at) AS last_at
    FROM visit_events FINAL
    WHERE at >= {since60:DateTime64(3, 'UTC')} AND at <= {until:DateTime64(3, 'UTC')} AND notEmpty(groups)
    GROUP BY household
)
GROUP BY mg
