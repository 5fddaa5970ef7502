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
  | 'live_visits'
  | 'live_visits_due'
  | 'store_now'
  | 'recent_reports'
  | 'places_all'
  | 'open_reports'
  | 'last_event_at'
  | 'recent_event_ids'
  | 'places_version'
  | 'place_boundaries_of'
  | 'place_boundaries_version'
  | 'live_week'
  | 'live_hexes'
  | 'h3_rings'
  | 'live_spike_baseline'
  | 'trends_reports'
  | 'trends_visits'
  | 'trends_fold_reports'
  | 'trends_fold_visit_sets'
  | 'trends_fold_visit_weeks'
  | 'trends_rollup_reports'
  | 'trends_rollup_visits'
  | 'console_format'
  | 'console_schema'
  | 'console_history'
  | 'console_saved'
  | 'console_saved_one'
  | 'console_kill'
  | 'rollup_state'
  | 'distributed_tables'
  | 'report_count'
  | 'rollup_check'
  | 'rollup_compact'
  | 'rollup_compact_cluster'

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

function digits2(b: Uint8Array, p: number, n: number): void {
  b[p] = 0x30 + ((n / 10) | 0)
  b[p + 1] = 0x30 + (n % 10)
}

/**
 * Writes an instant as DateTime64(3) parameters and columns expect it, `YYYY-MM-DD hh:mm:ss.mmm`
 * (UTC), as 23 ASCII bytes at `p`: ingest writes every event's `at` with this, into its stored
 * line (ingest/fast-lines.ts). Integer arithmetic, not Date#toISOString: days → civil date after
 * Howard Hinnant's days_from_civil inverse; years 0–9999.
 */
export function writeChTime(b: Uint8Array, p: number, ms: number): void {
  const t = Math.floor(ms)
  const days = Math.floor(t / 86_400_000)
  let rem = t - days * 86_400_000
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365)
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1
  const m = mp < 10 ? mp + 3 : mp - 9
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0)
  const h = Math.floor(rem / 3_600_000)
  rem -= h * 3_600_000
  const mi = Math.floor(rem / 60_000)
  rem -= mi * 60_000
  const sec = Math.floor(rem / 1000)
  const milli = rem - sec * 1000
  digits2(b, p, (y / 100) | 0)
  digits2(b, p + 2, y % 100)
  b[p + 4] = 0x2d
  digits2(b, p + 5, m)
  b[p + 7] = 0x2d
  digits2(b, p + 8, d)
  b[p + 10] = 0x20
  digits2(b, p + 11, h)
  b[p + 13] = 0x3a
  digits2(b, p + 14, mi)
  b[p + 16] = 0x3a
  digits2(b, p + 17, sec)
  b[p + 19] = 0x2e
  b[p + 20] = 0x30 + ((milli / 100) | 0)
  digits2(b, p + 21, milli % 100)
}

const chTimeBytes = Buffer.alloc(23)

/** Formats an instant the way DateTime64(3) parameters and columns expect it (UTC): writeChTime's text. */
export function chTime(ms: number): string {
  writeChTime(chTimeBytes, 0, ms)
  return chTimeBytes.toString('latin1')
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

/** Throws unless the names are plain identifiers and the token a plain deduplication token (they are written into SQL). */
export function checkInsert(table: string, columns: readonly string[], dedupToken: string): void {
  for (const id of [table, ...columns]) if (!IDENTIFIER.test(id)) throw new Error(`not an identifier: ${JSON.stringify(id)}`)
  if (!TOKEN.test(dedupToken)) throw new Error(`not a deduplication token: ${JSON.stringify(dedupToken)}`)
}

/**
 * `INSERT INTO table (columns) SETTINGS insert_deduplication_token = '…' FORMAT
 * JSONCompactEachRow`: the prefix of a spooled batch's insert. Table and columns come from
 * ingest/rows.ts, the token from the spool's frame numbers; all three are checked against
 * strict patterns here, since SETTINGS can't take a bound parameter.
 */
export function insertStatement(table: string, columns: readonly string[], dedupToken: string): string {
  checkInsert(table, columns, dedupToken)
  return `INSERT INTO ${table} (${columns.join(', ')}) SETTINGS insert_deduplication_token = '${dedupToken}' FORMAT JSONCompactEachRow`
}
