-- console_saved_one: one saved query by its id (a share link), unless deleted.
-- Params: id: String.
SELECT id, owner_id, owner, name, query, toUnixTimestamp64Milli(created_at) AS created_at, version
FROM saved_queries FINAL
WHERE id = {id:String} AND deleted = 0
