-- live_response: response-time percentiles (minutes from reported) of the lifecycle stages
-- completed today, for the city and every district, street and community at once
-- (percentiles don't add up, so the grouping sets do what the per-micro-grid query can't).
-- Params: day_start, now: DateTime64(3) UTC.
WITH s AS (
    SELECT
        report_id,
        max(community) AS community,
        max(street) AS street,
        max(district) AS district,
        min(reported_at) AS r,
        min(verified_at) AS v,
        min(dispatched_at) AS d,
        max(resolved_at) AS res,
        max(closed_at) AS c
    FROM report_state
    GROUP BY report_id
    HAVING r IS NOT NULL AND greatest(
        coalesce(v, toDateTime64(0, 3, 'UTC')), coalesce(d, toDateTime64(0, 3, 'UTC')),
        coalesce(res, toDateTime64(0, 3, 'UTC')), coalesce(c, toDateTime64(0, 3, 'UTC'))) >= {day_start:DateTime64(3)}
)
SELECT
    district,
    street,
    community,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, v) / 60, v >= {day_start:DateTime64(3)} AND v <= {now:DateTime64(3)}) AS verify,
    countIf(v >= {day_start:DateTime64(3)} AND v <= {now:DateTime64(3)}) AS verify_n,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, d) / 60, d >= {day_start:DateTime64(3)} AND d <= {now:DateTime64(3)}) AS dispatch,
    countIf(d >= {day_start:DateTime64(3)} AND d <= {now:DateTime64(3)}) AS dispatch_n,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, res) / 60, res >= {day_start:DateTime64(3)} AND res <= {now:DateTime64(3)}) AS resolve,
    countIf(res >= {day_start:DateTime64(3)} AND res <= {now:DateTime64(3)}) AS resolve_n,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, c) / 60, c >= {day_start:DateTime64(3)} AND c <= {now:DateTime64(3)}) AS close,
    countIf(c >= {day_start:DateTime64(3)} AND c <= {now:DateTime64(3)}) AS close_n
FROM s
GROUP BY GROUPING SETS ((), (district), (street), (community))
