-- console_saved: the saved queries of a user (not deleted), newest first.
-- Params: owner_id: String.
SELECT id, owner, name, query, toUnixTimestamp64Milli(created_at) AS created_at
FROM saved_queries FINAL
WHERE owner_id = {owner_id:String} AND deleted = 0
ORDER BY created_at DESC
