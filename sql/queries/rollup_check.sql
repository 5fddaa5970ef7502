-- rollup_check: the steps the live contributions hold (trends_contrib, signed) against the steps
-- trends_monthly counts at district level (every step counts once there). Equal unless a
-- materialized view's write was lost (server/trends/rollups.ts folds again from the start then).
SELECT
    (SELECT sum(sign * length(steps)) FROM trends_contrib) AS contributed,
    (SELECT sum(reported + verified + resolved + closed + reopened + rejected) FROM trends_monthly WHERE level = 'district') AS summed
