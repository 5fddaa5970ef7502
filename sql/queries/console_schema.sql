-- console_schema: the console's tables with their comments and columns (name, type, comment),
-- for the schema browser and autocomplete.
-- Params: tables: Array(String).
SELECT t.name AS table, t.engine AS engine, t.comment AS table_comment,
    groupArray((c.name, c.type, c.comment)) AS columns
FROM system.tables AS t
INNER JOIN
(
    SELECT table, name, type, comment, position FROM system.columns
    WHERE database = currentDatabase() AND has({tables:Array(String)}, table)
    ORDER BY table, position
) AS c ON c.table = t.name
WHERE t.database = currentDatabase() AND has({tables:Array(String)}, t.name)
GROUP BY t.name, t.engine, t.comment
ORDER BY indexOf({tables:Array(String)}, t.name)
