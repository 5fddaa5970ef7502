-- rollup_check: the steps the live contributions hold (trends_contrib, signed) against the steps
-- the rollups count at district level (every step counts once there): all of them against
-- trends_monthly, and those whose hour starts in the whole UTC days {day_from} ≤ d < {day_to}
-- against trends_hourly and trends_daily (migration 011) over the same days. Equal unless a
-- materialized view's write was lost (server/trends/rollups.ts folds again from the start then).
-- Params: day_from, day_to: DateTime64(3, 'UTC'), UTC midnights within the last 400 days.
SELECT
    (SELECT sum(sign * length(steps)) FROM trends_contrib) AS contributed,
    (SELECT sum(reported + verified + resolved + closed + reopened + rejected) FROM trends_monthly WHERE level = 'district') AS summed,
    (
        SELECT sum(sign * arrayCount(s -> s.hour >= {day_from:DateTime64(3, 'UTC')} AND s.hour < {day_to:DateTime64(3, 'UTC')}, steps))
        FROM trends_contrib
    ) AS contributed_days,
    (
        SELECT sum(reported + verified + resolved + closed + reopened + rejected)
        FROM trends_hourly
        WHERE level = 'district' AND hour >= {day_from:DateTime64(3, 'UTC')} AND hour < {day_to:DateTime64(3, 'UTC')}
    ) AS hourly,
    (
        SELECT sum(reported + verified + resolved + closed + reopened + rejected)
        FROM trends_daily
        WHERE level = 'district' AND day >= toDate({day_from:DateTime64(3, 'UTC')}) AND day < toDate({day_to:DateTime64(3, 'UTC')})
    ) AS daily
