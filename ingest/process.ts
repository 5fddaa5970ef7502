/**
 * One request body → stored lines and per-row verdicts: parse → validate → check time and
 * place → enrich from the registry → redact → drop in-batch resends → serialise. Pure and
 * synchronous, so it runs in an ingest worker thread (ingest/workers) or inline, and is unit
 * tested without either. What needs shared state (resends across requests, the spool) happens
 * after, on the main thread (ingest/pipeline.ts).
 */
import type { Scope } from '../server/contracts/live.ts'
import type { Rejection } from '../server/contracts/ingest.ts'
import { parseRows } from './parse.ts'
import type { MicroGridPath, Registry } from './registry/registry.ts'
import { isPlainValidReport, isPlainValidVisit } from './fast-check.ts'
import { arrivalSuffix, fnv1a, reportContent, rowLine, visitContent } from './rows.ts'
import { describeIssues, reportEventSchema, visitEventSchema, type EventKind, type ReportEvent, type VisitEvent } from './schema.ts'

export interface ProcessInput {
  kind: EventKind
  body: Buffer
  ndjson: boolean
  /** The ingest key's name (stored as `source`) and the scope it may write to. */
  source: { name: string; scope: Scope }
  receivedAt: number
  maxBatchRows: number
}

/** A new report fresh enough for the wall's ticker. */
export interface TickerSource {
  event_id: string
  report_id: string
  at: number
  category: string
  channel: string
  reporter_role: string
  severity: number
  micro_grid: string
  note: string
}

/** The rows that passed every check, each as one line, with what the main thread needs per row. */
export interface ProcessedBatch {
  /** Lines of the rows to store, one per row, in `ids` order, each ending in `\n` (see `lineEnds`). */
  lines: Buffer
  ids: string[]
  /** Content hash per row. */
  hashes: number[]
  /** Index of each row in the request. */
  indexes: number[]
  /** `at` of each row, ms. */
  ats: number[]
  rejected: Rejection[]
  /** Rows that repeated an earlier row of the same request exactly. */
  duplicates: number
  ticker: TickerSource[]
}

export type ProcessResult = { ok: true; batch: ProcessedBatch } | { ok: false; status: 400 | 413; error: string }

const FUTURE_TOLERANCE_MS = 10 * 60 * 1000
/**
 * Events older than this are refused: nothing real is that late, and one batch spanning more
 * months than ClickHouse inserts into at once (100 partitions) would fail everyone's insert.
 */
const MAX_AGE_MS = 5 * 366 * 86_400_000
/** New reports this close to now go to the live ticker; older ones are history being filled in. */
const TICKER_WINDOW_MS = 24 * 3_600_000
const TICKER_MAX = 200

export function inScope(path: MicroGridPath, scope: Scope): boolean {
  if (scope === 'city') return true
  const code = scope.slice(scope.indexOf(':') + 1)
  return path.district === code || path.street === code || path.community === code
}

export function processBody(input: ProcessInput, registry: Registry): ProcessResult {
  let parsed
  try {
    parsed = parseRows(input.body, input.ndjson, input.maxBatchRows)
  } catch (e) {
    const status = (e as { status?: number }).status === 413 ? 413 : 400
    return { ok: false, status, error: (e as Error).message }
  }
  const { kind, receivedAt, source } = input
  const schema = kind === 'reports' ? reportEventSchema : visitEventSchema
  // The common valid row skips zod (and its copy); zod decides everything else (fast-check.ts).
  const fast: (v: unknown) => v is ReportEvent | VisitEvent = kind === 'reports' ? isPlainValidReport : isPlainValidVisit
  const suffix = arrivalSuffix(receivedAt, source.name)
  const rejected: Rejection[] = []
  const inBatch = new Map<string, { index: number; hash: number }>()
  const lines: string[] = []
  const ids: string[] = []
  const hashes: number[] = []
  const ticker: TickerSource[] = []
  const indexes: number[] = []
  const ats: number[] = []
  let duplicates = 0

  const reject = (index: number, field: string, error: string, reason: Rejection['reason']) =>
    rejected.push({ index, field, error: `row ${index}: ${field ? `${field}: ` : ''}${error}`, reason })

  for (const p of parsed) {
    const { index } = p
    if ('error' in p) {
      rejected.push({ index, field: '', error: p.error, reason: p.reason })
      continue
    }
    let e: ReportEvent | VisitEvent
    if (fast(p.value)) e = p.value
    else {
      const v = schema.safeParse(p.value)
      if (!v.success) {
        const d = describeIssues(v.error)
        rejected.push({ index, field: d.field, error: `row ${index}: ${d.error}`, reason: 'schema' })
        continue
      }
      e = v.data
    }
    const at = Date.parse(e.at)
    if (at > receivedAt + FUTURE_TOLERANCE_MS) {
      reject(index, 'at', `is more than 10 minutes in the future (${e.at})`, 'future')
      continue
    }
    if (at < receivedAt - MAX_AGE_MS) {
      reject(index, 'at', `is more than 5 years in the past (${e.at})`, 'too_old')
      continue
    }
    const path = registry.microGridPath(e.micro_grid)
    if (!path) {
      reject(index, 'micro_grid', `unknown micro-grid "${e.micro_grid}"`, 'unknown_micro_grid')
      continue
    }
    if (!inScope(path, source.scope)) {
      reject(index, 'micro_grid', `"${e.micro_grid}" is outside this key's scope ${source.scope}`, 'scope')
      continue
    }
    const row = kind === 'reports' ? reportContent(e as ReportEvent, at, path) : visitContent(e as VisitEvent, at, path)
    const content = JSON.stringify(row)
    const hash = fnv1a(content)
    const seen = inBatch.get(e.event_id)
    if (seen) {
      if (seen.hash === hash) duplicates++
      else reject(index, 'event_id', `"${e.event_id}" is used by row ${seen.index} with different content`, 'id_conflict')
      continue
    }
    inBatch.set(e.event_id, { index, hash })
    lines.push(rowLine(content, suffix, hash))
    ids.push(e.event_id)
    hashes.push(hash)
    indexes.push(index)
    ats.push(at)
    if (kind === 'reports' && (e as ReportEvent).type === 'reported' && at >= receivedAt - TICKER_WINDOW_MS) {
      const r = e as ReportEvent
      ticker.push({ event_id: r.event_id, report_id: r.report_id, at, category: r.category ?? '', channel: r.channel ?? '', reporter_role: r.reporter_role ?? '', severity: r.severity ?? 0, micro_grid: r.micro_grid, note: row[row.length - 1] as string })
    }
  }
  rejected.sort((a, b) => a.index - b.index)
  if (ticker.length > TICKER_MAX) {
    ticker.sort((a, b) => a.at - b.at)
    ticker.splice(0, ticker.length - TICKER_MAX)
  }
  // Its own ArrayBuffer (never Node's shared pool), so a worker can transfer it without copying.
  const text = lines.join('')
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(text))
  out.write(text)
  return { ok: true, batch: { lines: out, ids, hashes, indexes, ats, rejected, duplicates, ticker } }
}

/**
 * Byte offset where each line of `lines` ends (after its `\n`): a raw newline only ever ends a
 * line, JSON escapes it inside strings. Only needed when some rows are dropped (resends).
 */
export function lineEnds(lines: Buffer): number[] {
  const ends: number[] = []
  for (let i = lines.indexOf(0x0a); i >= 0; i = lines.indexOf(0x0a, i + 1)) ends.push(i + 1)
  return ends
}
