-- rollup_check: the steps the live contributions hold (trends_contrib, signed) against the steps
-- the rollups count at district level (every step counts once there): all of them against
-- trends_monthly, and those whose hour starts in the whole UTC days {day_from} ≤ d < {day_to}
-- against trends_hourly and trends_daily (migration 011) over the same days. Equal unless a
-- materialized view's write was lost (server/trends/rollups.ts folds again from the start then).
-- One pass over trends_contrib, reading only the steps' count and hours.
-- Params: day_from, day_to: DateTime64(3, 'UTC'), UTC midnights within the hourly and daily
--   tables' 400 days.
SELECT
    contrib.1 AS contributed,
    contrib.2 AS contributed_days,
    (SELECT sum(reported + verified + resolved + closed + reopened + rejected) FROM trends_monthly WHERE level = 'district') AS summed,
    (
        SELECT sum(reported + verified + resolved + closed + reopened + rejected)
        FROM trends_hourly
        WHERE level = 'district' AND hour >= {day_from:DateTime64(3, 'UTC')} AND hour < {day_to:DateTime64(3, 'UTC')}
    ) AS hourly,
    (
        SELECT sum(reported + verified + resolved + closed + reopened + rejected)
        FROM trends_daily
        WHERE level = 'district' AND day >= toDate({day_from:DateTime64(3, 'UTC')}) AND day < toDate({day_to:DateTime64(3, 'UTC')})
    ) AS daily,
    (
        SELECT (
            sum(sign * length(steps)),
            sum(sign * arrayCount(h -> h >= {day_from:DateTime64(3, 'UTC')} AND h < {day_to:DateTime64(3, 'UTC')}, steps.hour))
        )
        FROM trends_contrib
    ) AS contrib
