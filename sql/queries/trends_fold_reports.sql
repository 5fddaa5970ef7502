-- trends_fold_reports: folds changed reports into trends_contrib (migration 008): for each report
-- with an event stored after {since} (or every report when {all} = 1), its current contribution,
-- and when it differs from the one folded before, that one cancelled (sign -1, same version).
-- A report folded again without change writes nothing, so reading a few seconds twice is free.
-- {chunks}/{chunk} split a big fold by report id, to bound its memory (also the set of changed ids).
-- A contribution, from report_state merged as report_current does (the same definitions as
-- trends_reports): one step per lifecycle time the report has — reported, first verified,
-- latest resolved, closed, reopened, rejected — in its local month and hour ({tz}); for verified, resolved and closed the minutes
-- from reported as a histogram key ({hist_base}·{hist_gamma}^k, see server/trends/histogram.ts);
-- flag: resolved later than the category's SLA (overran), closed within it (on time). A step
-- without its report's `reported` event has no duration and cannot be on time.
-- Params: since: DateTime64(3, 'UTC'); all: UInt8; chunks, chunk: UInt32; version: UInt64; tz;
--   categories, resolve_min, default_resolve_min (the SLA); hist_base, hist_gamma: Float64.
INSERT INTO trends_contrib (report_id, version, sign, district, street, community, grid, category, mobile, steps)
SELECT report_id, row.1, row.2, row.3.1, row.3.2, row.3.3, row.3.4, row.3.5, row.3.6, row.3.7
FROM
(
    SELECT
        fresh.report_id AS report_id,
        if(folded.report_id = '',
            [(toUInt64({version:UInt64}), toInt8(1), fresh.body)],
            [(folded.last_version, toInt8(-1), folded.last_body), (greatest(folded.last_version + 1, {version:UInt64}), toInt8(1), fresh.body)]) AS rows
    FROM
    (
        SELECT
            report_id,
            CAST((district, street, community, grid, category, toUInt8(reporter_role = 'mobile_worker'),
                arrayMap(i -> (
                        ['reported', 'verified', 'resolved', 'closed', 'reopened', 'rejected'][i],
                        toStartOfMonth(toTimeZone(assumeNotNull(times[i]), {tz:String})),
                        toStartOfHour(toTimeZone(assumeNotNull(times[i]), {tz:String})),
                        if(minutes[i] IS NULL, 0, if(assumeNotNull(minutes[i]) < {hist_base:Float64}, 1,
                            least(65535, 2 + toUInt32(floor(log(assumeNotNull(minutes[i]) / {hist_base:Float64}) / log({hist_gamma:Float64})))))),
                        toUInt8(multiIf(i = 3, minutes[i] IS NOT NULL AND assumeNotNull(minutes[i]) > sla_min,
                            i = 4, minutes[i] IS NOT NULL AND assumeNotNull(minutes[i]) <= sla_min, 0))),
                    arrayFilter(i -> times[i] IS NOT NULL, range(1, 7)))),
                'Tuple(String, String, String, String, String, UInt8, Array(Tuple(String, Date, DateTime(\'UTC\'), UInt16, UInt8)))') AS body
        FROM
        (
            SELECT
                report_id, district, street, community, grid, category, reporter_role,
                [reported_at, verified_at, resolved_at, closed_at, reopened_at, rejected_at] AS times,
                arrayMap(i -> if(has([2, 3, 4], i) AND reported_at IS NOT NULL AND times[i] IS NOT NULL,
                    dateDiff('millisecond', assumeNotNull(reported_at), assumeNotNull(times[i])) / 60000, NULL), range(1, 7)) AS minutes,
                transform(category, {categories:Array(String)}, {resolve_min:Array(UInt32)}, {default_resolve_min:UInt32}) AS sla_min
            FROM
            (
                -- report_current's columns, merged here so the chunk is picked before merging
                -- (through the view the engine would merge every report first).
                SELECT report_id, splitByChar('\t', min(origin)) AS o, o[6] AS district, o[5] AS street, o[4] AS community,
                    o[3] AS grid, if(startsWith(o[1], '0'), o[7], '') AS category, if(startsWith(o[1], '0'), o[9], '') AS reporter_role,
                    min(reported_at) AS reported_at, min(verified_at) AS verified_at, max(resolved_at) AS resolved_at,
                    max(closed_at) AS closed_at, max(reopened_at) AS reopened_at, max(rejected_at) AS rejected_at
                FROM report_state
                WHERE ({all:UInt8} = 1 OR report_id IN (SELECT report_id FROM report_events WHERE stored_at > {since:DateTime64(3, 'UTC')} AND cityHash64(report_id) % {chunks:UInt32} = {chunk:UInt32}))
                    AND cityHash64(report_id) % {chunks:UInt32} = {chunk:UInt32}
                GROUP BY report_id
            )
        )
    ) AS fresh
    LEFT JOIN
    (
        -- The live contribution of each report: the latest version not cancelled.
        SELECT report_id, argMax(body, version) AS last_body, max(version) AS last_version
        FROM
        (
            SELECT report_id, version,
                any(CAST((district, street, community, grid, category, mobile, steps),
                    'Tuple(String, String, String, String, String, UInt8, Array(Tuple(String, Date, DateTime(\'UTC\'), UInt16, UInt8)))')) AS body
            FROM trends_contrib
            WHERE ({all:UInt8} = 1 OR report_id IN (SELECT report_id FROM report_events WHERE stored_at > {since:DateTime64(3, 'UTC')} AND cityHash64(report_id) % {chunks:UInt32} = {chunk:UInt32}))
                AND cityHash64(report_id) % {chunks:UInt32} = {chunk:UInt32}
            GROUP BY report_id, version
            HAVING sum(sign) > 0
        )
        GROUP BY report_id
    ) AS folded ON fresh.report_id = folded.report_id
    WHERE folded.report_id = '' OR folded.last_body != fresh.body
)
ARRAY JOIN rows AS row
