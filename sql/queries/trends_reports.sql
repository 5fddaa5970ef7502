-- trends_reports: the leaders' monthly review of reports, per month (or over the whole range
-- when {whole} = 1) for the scope and for each of its child units (GROUPING SETS: unit '' is
-- the scope itself, so its percentiles are true percentiles, not averages of children).
-- Each report counts once per lifecycle step, in the month of that step (local calendar in
-- {tz}): reported, first verified, (latest) resolved, (latest) closed, (latest) reopened,
-- rejected. Minutes are from reported; a step without its report's `reported` event counts
-- but has no duration, and cannot be on time. SLA: the category's resolve limit.
-- Reads report_current (one row per report, whatever order or how often its events came).
-- Percentiles are exact (linear between neighbours), so the page and the pack always agree.
-- The SLA is today's table: after an admin changes it, past months are judged by the new one.
-- Params: tz; start, end: DateTime64(3, 'UTC') (end exclusive); whole: UInt8;
--   scope_col: Identifier (district/street/community), scope_code: String ('' for the city);
--   unit_col: Identifier (the child level's column); categories, resolve_min, default_resolve_min.
WITH base AS
(
    SELECT
        {unit_col:Identifier} AS unit,
        category,
        reporter_role,
        reported_at,
        verified_at,
        resolved_at,
        closed_at,
        reopened_at,
        rejected_at,
        transform(category, {categories:Array(String)}, {resolve_min:Array(UInt32)}, {default_resolve_min:UInt32}) AS sla_min
    FROM report_current
    WHERE ({scope_code:String} = '' OR {scope_col:Identifier} = {scope_code:String})
        AND (reported_at >= {start:DateTime64(3, 'UTC')} OR verified_at >= {start:DateTime64(3, 'UTC')}
            OR resolved_at >= {start:DateTime64(3, 'UTC')} OR closed_at >= {start:DateTime64(3, 'UTC')}
            OR reopened_at >= {start:DateTime64(3, 'UTC')} OR rejected_at >= {start:DateTime64(3, 'UTC')})
)
SELECT
    if({whole:UInt8} = 1, 'all', formatDateTime(toTimeZone(at, {tz:String}), '%Y-%m')) AS month,
    unit,
    countIf(kind = 'reported') AS reported,
    sumMapIf([category], [toUInt64(1)], kind = 'reported') AS categories,
    countIf(kind = 'reported' AND reporter_role = 'mobile_worker') AS mobile,
    countIf(kind = 'verified') AS verified,
    quantilesExactInclusiveIf(0.5, 0.9)(minutes, kind = 'verified' AND minutes IS NOT NULL) AS verify_q,
    countIf(kind = 'verified' AND minutes IS NOT NULL) AS verify_n,
    countIf(kind = 'resolved') AS resolved,
    quantilesExactInclusiveIf(0.5, 0.9)(minutes, kind = 'resolved' AND minutes IS NOT NULL) AS resolve_q,
    countIf(kind = 'resolved' AND minutes IS NOT NULL) AS resolve_n,
    countIf(kind = 'resolved' AND minutes IS NOT NULL AND minutes > sla_min) AS overran,
    countIf(kind = 'closed') AS closed,
    countIf(kind = 'closed' AND minutes IS NOT NULL AND minutes <= sla_min) AS closed_on_time,
    countIf(kind = 'reopened') AS reopened,
    countIf(kind = 'rejected') AS rejected
FROM
(
    -- One row per report and lifecycle step inside the range: report_current is read once.
    SELECT
        unit, category, reporter_role, sla_min,
        step.1 AS kind,
        assumeNotNull(step.2) AS at,
        if(kind IN ('verified', 'resolved', 'closed') AND reported_at IS NOT NULL,
            dateDiff('millisecond', assumeNotNull(reported_at), assumeNotNull(step.2)) / 60000, NULL) AS minutes
    FROM base
    ARRAY JOIN arrayFilter(x -> x.2 IS NOT NULL AND x.2 >= {start:DateTime64(3, 'UTC')} AND x.2 < {end:DateTime64(3, 'UTC')},
        [('reported', reported_at), ('verified', verified_at), ('resolved', resolved_at),
         ('closed', closed_at), ('reopened', reopened_at), ('rejected', rejected_at)]) AS step
)
GROUP BY GROUPING SETS ((month), (month, unit))
