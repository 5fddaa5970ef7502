-- trends_reports: the leaders' monthly review of reports, per month (or over the whole range
-- when {whole} = 1) for the scope and for each of its child units (GROUPING SETS: unit '' is
-- the scope itself, so its percentiles are true percentiles, not averages of children).
-- Each report counts once per lifecycle step, in the month of that step (local calendar in
-- {tz}): reported, first verified, (latest) resolved, (latest) closed, (latest) reopened,
-- rejected. Minutes are from reported; a step without its report's `reported` event counts
-- but has no duration, and cannot be on time. SLA: the category's resolve limit.
-- Reads report_current (one row per report, whatever order or how often its events came).
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
)
SELECT
    if({whole:UInt8} = 1, 'all', formatDateTime(toTimeZone(at, {tz:String}), '%Y-%m')) AS month,
    unit,
    countIf(kind = 'reported') AS reported,
    sumMapIf([category], [toUInt64(1)], kind = 'reported') AS categories,
    countIf(kind = 'reported' AND reporter_role = 'mobile_worker') AS mobile,
    countIf(kind = 'verified') AS verified,
    quantilesIf(0.5, 0.9)(minutes, kind = 'verified' AND minutes IS NOT NULL) AS verify_q,
    countIf(kind = 'verified' AND minutes IS NOT NULL) AS verify_n,
    countIf(kind = 'resolved') AS resolved,
    quantilesIf(0.5, 0.9)(minutes, kind = 'resolved' AND minutes IS NOT NULL) AS resolve_q,
    countIf(kind = 'resolved' AND minutes IS NOT NULL) AS resolve_n,
    countIf(kind = 'resolved' AND minutes IS NOT NULL AND minutes > sla_min) AS overran,
    countIf(kind = 'closed') AS closed,
    countIf(kind = 'closed' AND minutes IS NOT NULL AND minutes <= sla_min) AS closed_on_time,
    countIf(kind = 'reopened') AS reopened,
    countIf(kind = 'rejected') AS rejected
FROM
(
    SELECT unit, category, reporter_role, sla_min, 'reported' AS kind, assumeNotNull(reported_at) AS at, CAST(NULL, 'Nullable(Float64)') AS minutes
    FROM base WHERE reported_at >= {start:DateTime64(3, 'UTC')} AND reported_at < {end:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT unit, category, reporter_role, sla_min, 'verified', assumeNotNull(verified_at),
        if(reported_at IS NULL, NULL, dateDiff('second', assumeNotNull(reported_at), assumeNotNull(verified_at)) / 60)
    FROM base WHERE verified_at >= {start:DateTime64(3, 'UTC')} AND verified_at < {end:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT unit, category, reporter_role, sla_min, 'resolved', assumeNotNull(resolved_at),
        if(reported_at IS NULL, NULL, dateDiff('second', assumeNotNull(reported_at), assumeNotNull(resolved_at)) / 60)
    FROM base WHERE resolved_at >= {start:DateTime64(3, 'UTC')} AND resolved_at < {end:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT unit, category, reporter_role, sla_min, 'closed', assumeNotNull(closed_at),
        if(reported_at IS NULL, NULL, dateDiff('second', assumeNotNull(reported_at), assumeNotNull(closed_at)) / 60)
    FROM base WHERE closed_at >= {start:DateTime64(3, 'UTC')} AND closed_at < {end:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT unit, category, reporter_role, sla_min, 'reopened', assumeNotNull(reopened_at), NULL
    FROM base WHERE reopened_at >= {start:DateTime64(3, 'UTC')} AND reopened_at < {end:DateTime64(3, 'UTC')}
    UNION ALL
    SELECT unit, category, reporter_role, sla_min, 'rejected', assumeNotNull(rejected_at), NULL
    FROM base WHERE rejected_at >= {start:DateTime64(3, 'UTC')} AND rejected_at < {end:DateTime64(3, 'UTC')}
)
GROUP BY GROUPING SETS ((month), (month, unit))
