-- console_tables: every table and view of the database, so the console's guard can tell a table
-- it refuses from a WITH alias (server/console/guard.ts).
SELECT name FROM system.tables WHERE database = currentDatabase()
