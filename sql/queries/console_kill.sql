-- console_kill: stops a console query still running, found by the run id marked in its text
-- (server/console/runner.ts; the embedded engine does not keep query ids).
-- Params: marker: String (a LIKE pattern of the run id).
KILL QUERY WHERE query LIKE {marker:String} ASYNC
