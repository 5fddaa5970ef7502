-- store_now: the store's clock (stored_at is written by it), ms since epoch.
SELECT toUnixTimestamp64Milli(now64(3)) AS now
