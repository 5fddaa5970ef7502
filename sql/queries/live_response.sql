-- live_response: response-time percentiles (minutes from reported) of the lifecycle stages
-- completed today, for the city and every district, street and community at once
-- (percentiles don't add up, so the grouping sets do what the per-micro-grid query can't).
-- Params: day_start, now: DateTime64(3, 'UTC').
WITH s AS (
    SELECT district, street, community, reported_at AS r, verified_at AS v, dispatched_at AS d, resolved_at AS res, closed_at AS c
    FROM report_current
    WHERE r IS NOT NULL AND greatest(
        coalesce(v, toDateTime64(0, 3, 'UTC')), coalesce(d, toDateTime64(0, 3, 'UTC')),
        coalesce(res, toDateTime64(0, 3, 'UTC')), coalesce(c, toDateTime64(0, 3, 'UTC'))) >= {day_start:DateTime64(3, 'UTC')}
)
SELECT
    district,
    street,
    community,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, v) / 60, v >= {day_start:DateTime64(3, 'UTC')} AND v <= {now:DateTime64(3, 'UTC')}) AS verify,
    countIf(v >= {day_start:DateTime64(3, 'UTC')} AND v <= {now:DateTime64(3, 'UTC')}) AS verify_n,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, d) / 60, d >= {day_start:DateTime64(3, 'UTC')} AND d <= {now:DateTime64(3, 'UTC')}) AS dispatch,
    countIf(d >= {day_start:DateTime64(3, 'UTC')} AND d <= {now:DateTime64(3, 'UTC')}) AS dispatch_n,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, res) / 60, res >= {day_start:DateTime64(3, 'UTC')} AND res <= {now:DateTime64(3, 'UTC')}) AS resolve,
    countIf(res >= {day_start:DateTime64(3, 'UTC')} AND res <= {now:DateTime64(3, 'UTC')}) AS resolve_n,
    quantilesIf(0.5, 0.9)(dateDiff('second', r, c) / 60, c >= {day_start:DateTime64(3, 'UTC')} AND c <= {now:DateTime64(3, 'UTC')}) AS close,
    countIf(c >= {day_start:DateTime64(3, 'UTC')} AND c <= {now:DateTime64(3, 'UTC')}) AS close_n
FROM s
GROUP BY GROUPING SETS ((), (district), (street), (community))
