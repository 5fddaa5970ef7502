-- console_format: an analyst's query normalised by the engine's own parser (server/console/guard.ts).
-- The text is a bound value: it is parsed, never run. A second statement is a syntax error.
-- Params: q: String.
SELECT formatQuery({q:String}) AS q
