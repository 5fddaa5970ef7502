-- live_micro_grid: the live wall's additive figures per micro-grid, in one pass over
-- report_current; the hub sums them up the registry tree for every scope.
-- A report counts for "today" by the local day of each stage's own timestamp (reported only
-- once its `reported` event is in); "open" and "overdue" are states now, whenever the report
-- came in (one whose `reported` event is late is dated by its earliest event); `hours` counts
-- the last 24 hours by local hour of day (rolling, for the heatmap).
-- Params: day_start, now, yday_start, yday_now: DateTime64(3, 'UTC'); tz: String;
--         sla_categories: Array(String); sla_verify_min, sla_resolve_min: Array(UInt32);
--         default_verify_min, default_resolve_min: UInt32.
WITH o AS (
    SELECT
        micro_grid,
        reported_at AS r,
        coalesce(reported_at, first_at) AS since,
        verified_at AS v,
        dispatched_at AS d,
        resolved_at AS res,
        closed_at AS c,
        rejected_at AS rj,
        is_open,
        is_unresolved,
        is_unverified,
        transform(category, {sla_categories:Array(String)}, {sla_verify_min:Array(UInt32)}, {default_verify_min:UInt32}) AS verify_sla,
        transform(category, {sla_categories:Array(String)}, {sla_resolve_min:Array(UInt32)}, {default_resolve_min:UInt32}) AS resolve_sla
    FROM report_current
)
SELECT
    micro_grid,
    countIf(r >= {day_start:DateTime64(3, 'UTC')} AND r <= {now:DateTime64(3, 'UTC')}) AS reported,
    countIf(v >= {day_start:DateTime64(3, 'UTC')} AND v <= {now:DateTime64(3, 'UTC')}) AS verified,
    countIf(d >= {day_start:DateTime64(3, 'UTC')} AND d <= {now:DateTime64(3, 'UTC')}) AS dispatched,
    countIf(res >= {day_start:DateTime64(3, 'UTC')} AND res <= {now:DateTime64(3, 'UTC')}) AS resolved,
    countIf(c >= {day_start:DateTime64(3, 'UTC')} AND c <= {now:DateTime64(3, 'UTC')}) AS closed,
    countIf(rj >= {day_start:DateTime64(3, 'UTC')} AND rj <= {now:DateTime64(3, 'UTC')}) AS rejected,
    countIf(is_open) AS open,
    countIf(is_open AND (
        (is_unverified AND since + toIntervalMinute(verify_sla) < {now:DateTime64(3, 'UTC')})
        OR (is_unresolved AND since + toIntervalMinute(resolve_sla) < {now:DateTime64(3, 'UTC')}))) AS overdue,
    sumForEachIf(
        arrayMap(h -> toUInt32(h = toHour(r, {tz:String})), range(24)),
        r > {now:DateTime64(3, 'UTC')} - INTERVAL 24 HOUR AND r <= {now:DateTime64(3, 'UTC')}) AS hours,
    countIf(r >= {yday_start:DateTime64(3, 'UTC')} AND r <= {yday_now:DateTime64(3, 'UTC')}) AS yday_reported,
    countIf(res >= {yday_start:DateTime64(3, 'UTC')} AND res <= {yday_now:DateTime64(3, 'UTC')}) AS yday_resolved
FROM o
GROUP BY micro_grid
