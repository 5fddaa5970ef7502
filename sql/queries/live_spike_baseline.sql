-- live_spike_baseline: the usual level behind spike alerts — distinct reports per community and
-- category in the 28 days before the last 24 hours. The hub divides by 28 for a daily mean and
-- compares the last 24 hours (from memory) against it. Refreshed with the other window figures.
-- Params: since, until: DateTime64(3, 'UTC').
SELECT community, category, uniqExact(report_id) AS n
FROM report_events
WHERE type = 'reported' AND at >= {since:DateTime64(3, 'UTC')} AND at < {until:DateTime64(3, 'UTC')}
GROUP BY community, category
