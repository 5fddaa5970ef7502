-- live_micro_grid: the live wall's additive figures per micro-grid, in one pass over
-- report_state; the hub sums them up the registry tree for every scope.
-- A report counts for "today" by the local day of each stage's own timestamp; "open" and
-- "overdue" are states now, whenever the report came in; `hours` counts the last 24 hours
-- by local hour of day (rolling, for the heatmap). A report without its `reported`
-- event yet is dated by its earliest event (it was reported no later than that).
-- Params: day_start, now, yday_start, yday_now: DateTime64(3) UTC; tz: String;
--         sla_categories: Array(String); sla_verify_min, sla_resolve_min: Array(UInt32);
--         default_verify_min, default_resolve_min: UInt32.
WITH
    s AS (
        SELECT
            report_id,
            max(micro_grid) AS micro_grid,
            max(category) AS category,
            coalesce(min(reported_at), min(first_at)) AS r,
            min(verified_at) AS v,
            min(dispatched_at) AS d,
            max(resolved_at) AS res,
            max(closed_at) AS c,
            max(reopened_at) AS ro,
            max(rejected_at) AS rj
        FROM report_state
        GROUP BY report_id
    ),
    o AS (
        SELECT
            *,
            rj IS NULL AND (c IS NULL OR (ro IS NOT NULL AND ro > c)) AS is_open,
            res IS NULL OR (ro IS NOT NULL AND ro > res) AS is_unresolved,
            transform(category, {sla_categories:Array(String)}, {sla_verify_min:Array(UInt32)}, {default_verify_min:UInt32}) AS verify_sla,
            transform(category, {sla_categories:Array(String)}, {sla_resolve_min:Array(UInt32)}, {default_resolve_min:UInt32}) AS resolve_sla
        FROM s
    )
SELECT
    micro_grid,
    countIf(r >= {day_start:DateTime64(3)} AND r <= {now:DateTime64(3)}) AS reported,
    countIf(v >= {day_start:DateTime64(3)} AND v <= {now:DateTime64(3)}) AS verified,
    countIf(d >= {day_start:DateTime64(3)} AND d <= {now:DateTime64(3)}) AS dispatched,
    countIf(res >= {day_start:DateTime64(3)} AND res <= {now:DateTime64(3)}) AS resolved,
    countIf(c >= {day_start:DateTime64(3)} AND c <= {now:DateTime64(3)}) AS closed,
    countIf(rj >= {day_start:DateTime64(3)} AND rj <= {now:DateTime64(3)}) AS rejected,
    countIf(is_open) AS open,
    countIf(is_open AND (
        (v IS NULL AND r + toIntervalMinute(verify_sla) < {now:DateTime64(3)})
        OR (is_unresolved AND r + toIntervalMinute(resolve_sla) < {now:DateTime64(3)}))) AS overdue,
    sumForEachIf(
        arrayMap(h -> toUInt32(h = toHour(r, {tz:String})), range(24)),
        r > {now:DateTime64(3)} - INTERVAL 24 HOUR AND r <= {now:DateTime64(3)}) AS hours,
    countIf(r >= {yday_start:DateTime64(3)} AND r <= {yday_now:DateTime64(3)}) AS yday_reported,
    countIf(res >= {yday_start:DateTime64(3)} AND res <= {yday_now:DateTime64(3)}) AS yday_resolved
FROM o
GROUP BY micro_grid
