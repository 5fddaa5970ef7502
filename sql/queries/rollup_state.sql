-- rollup_state: how far the review rollups are folded, and under which time zone and SLA
-- (migration 008). No row before the first pass.
SELECT toUnixTimestamp64Milli(through) AS through, tz, sla, version
FROM rollup_state FINAL
WHERE name = 'trends'
