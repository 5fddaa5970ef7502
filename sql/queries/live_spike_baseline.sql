-- live_spike_baseline: the usual level behind spike alerts — distinct reports per community and
-- category in the 28 days before the last 24 hours, and (first_ms, the same on every row) the
-- earliest of them anywhere: a young store has fewer days behind it, and the hub divides by the
-- days it really has. Refreshed with the other window figures.
-- Params: since, until: DateTime64(3, 'UTC').
SELECT community, category, uniqExact(report_id) AS n, toString(toUnixTimestamp64Milli(min(min(at)) OVER ())) AS first_ms
FROM report_events
WHERE type = 'reported' AND at >= {since:DateTime64(3, 'UTC')} AND at < {until:DateTime64(3, 'UTC')}
GROUP BY community, category
