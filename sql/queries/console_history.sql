-- console_history: a user's last console queries, newest first.
-- Params: user_id: String; limit: UInt32.
SELECT toUnixTimestamp64Milli(at) AS at, via, query, status, error, rows, elapsed_ms
FROM sql_query_log
WHERE user_id = {user_id:String}
ORDER BY at DESC
LIMIT {limit:UInt32}
