/**
 * Named, parameterised queries from `sql/queries/*.sql`. Values are always bound with
 * `{name:Type}` placeholders and `query_params`; nothing is ever spliced into SQL text.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'queries')

export type QueryName =
  | 'live_reports'
  | 'live_reports_changed'
  | 'store_now'
  | 'recent_reports'
  | 'places_all'
  | 'open_reports'
  | 'last_event_at'
  | 'recent_event_ids'

const cache = new Map<QueryName, string>()

/** The SQL text of a named query (read once, then cached). */
export function sql(name: QueryName): string {
  let text = cache.get(name)
  if (text === undefined) {
    text = fs.readFileSync(path.join(DIR, `${name}.sql`), 'utf8')
    cache.set(name, text)
  }
  return text
}

/** Formats an instant the way DateTime64(3) parameters and columns expect it (UTC). */
export function chTime(ms: number): string {
  const iso = new Date(ms).toISOString()
  // "2026-11-23T09:30:00.000Z" → "2026-11-23 09:30:00.000" (years 0–9999, as the store takes them)
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

/** Parses a DateTime64(3, 'UTC') value as returned in JSON formats. */
export function parseChTime(v: string | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null
  return Date.parse(v.replace(' ', 'T') + 'Z')
}

let versionSeq = 0
/** A version for last-write-wins tables (ReplacingMergeTree(version)): later writes, higher. */
export function nextVersion(): number {
  return Date.now() * 1000 + (versionSeq++ % 1000)
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/
const TOKEN = /^[a-z0-9][a-z0-9-]{0,127}$/

/**
 * `INSERT INTO table (columns) SETTINGS insert_deduplication_token = '…' FORMAT
 * JSONCompactEachRow`: the prefix of a spooled batch's insert. Table and columns come from
 * ingest/rows.ts, the token from the spool's frame numbers; all three are checked against
 * strict patterns here, since SETTINGS can't take a bound parameter.
 */
export function insertStatement(table: string, columns: readonly string[], dedupToken: string): string {
  for (const id of [table, ...columns]) if (!IDENTIFIER.test(id)) throw new Error(`not an identifier: ${JSON.stringify(id)}`)
  if (!TOKEN.test(dedupToken)) throw new Error(`not a deduplication token: ${JSON.stringify(dedupToken)}`)
  return `INSERT INTO ${table} (${columns.join(', ')}) SETTINGS insert_deduplication_token = '${dedupToken}' FORMAT JSONCompactEachRow`
}
