/**
 * One request body → stored lines and per-row verdicts: parse → validate → check time and
 * place → enrich from the registry → redact → drop in-batch resends → serialise. Pure and
 * synchronous, so it runs in an ingest worker thread (ingest/workers) or inline, and is unit
 * tested without either. What needs shared state (resends across requests, the spool) happens
 * after, on the main thread (ingest/pipeline.ts).
 */
import { isUtf8 } from 'node:buffer'
import type { Scope } from '../server/contracts/live.ts'
import type { Rejection } from '../server/contracts/ingest.ts'
import { BodyError, eachNdjsonRow, lineText, parseLine, parseRows, type ParsedRow } from './parse.ts'
import { addRow, idHash, newRowIndex, type RowIndex } from './id-table.ts'
import { fastLines as makeFastLines, LineBuffer, type FastLines } from './fast-lines.ts'
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
  /** false: every row the general way, as before the hot path (the bench and its test compare the two). Default true. */
  hotPath?: boolean
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

/**
 * The rows that passed every check, each as one line, with what the main thread needs per row.
 * Per-row numbers are typed arrays: a worker hands them over (transferred), never copied.
 */
export interface ProcessedBatch {
  /** Lines of the rows to store, one per row, in `ids` order, each ending in `\n` (see `lineEnds`). */
  lines: Buffer
  ids: string[]
  /** Table key of each id (id-table.ts's idHash). */
  idHashes: Int32Array
  /** The rows by id (id-table.ts): where the main thread finds a resend among rows still being made durable. */
  index: RowIndex
  /** Content hash per row. */
  hashes: Uint32Array
  /** Index of each row in the request. */
  indexes: Int32Array
  /** `at` of each row, ms. */
  ats: Float64Array
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
/** One scanner per stream and thread: they hold scratch state between lines. */
const fastLines: Record<'reports' | 'visits', FastLines> = { reports: makeFastLines('reports'), visits: makeFastLines('visits') }

export function inScope(path: MicroGridPath, scope: Scope): boolean {
  if (scope === 'city') return true
  const code = scope.slice(scope.indexOf(':') + 1)
  return path.district === code || path.street === code || path.community === code
}

export function processBody(input: ProcessInput, registry: Registry): ProcessResult {
  const { kind, receivedAt, source, body } = input
  const schema = kind === 'reports' ? reportEventSchema : visitEventSchema
  // The common valid row skips zod (and its copy); zod decides everything else (fast-check.ts).
  const fast: (v: unknown) => v is ReportEvent | VisitEvent = kind === 'reports' ? isPlainValidReport : isPlainValidVisit
  const suffix = arrivalSuffix(receivedAt, source.name)
  const rejected: Rejection[] = []
  // Stored lines run ~10% longer than the lines sent (the place columns added, keys dropped).
  const out = new LineBuffer(body.length + (body.length >> 2) + 4096)
  const ids: string[] = []
  const idHashes: number[] = []
  // Sized for rows of ~100 bytes, and rebuilt twice as large when they are smaller.
  let byId = newRowIndex(Math.min(input.maxBatchRows, 16 + (body.length >> 7)))
  const hashes: number[] = []
  const ticker: TickerSource[] = []
  const indexes: number[] = []
  const ats: number[] = []
  let duplicates = 0

  const reject = (index: number, field: string, error: string, reason: Rejection['reason']) =>
    rejected.push({ index, field, error: `row ${index}: ${field ? `${field}: ` : ''}${error}`, reason })

  /** The checks after the contract's, for either path: the place of a row within time and scope, or why not. */
  const placeOf = (at: number, microGrid: string): MicroGridPath | 'future' | 'too_old' | 'unknown_micro_grid' | 'scope' => {
    if (at > receivedAt + FUTURE_TOLERANCE_MS) return 'future'
    if (at < receivedAt - MAX_AGE_MS) return 'too_old'
    const path = registry.microGridPath(microGrid)
    if (!path) return 'unknown_micro_grid'
    return inScope(path, source.scope) ? path : 'scope'
  }
  /** placeOf, with the row rejected (and undefined returned) when it has no place. */
  const place = (index: number, atText: string, at: number, microGrid: string): MicroGridPath | undefined => {
    const p = placeOf(at, microGrid)
    if (typeof p !== 'string') return p
    if (p === 'future') reject(index, 'at', `is more than 10 minutes in the future (${atText})`, p)
    else if (p === 'too_old') reject(index, 'at', `is more than 5 years in the past (${atText})`, p)
    else if (p === 'unknown_micro_grid') reject(index, 'micro_grid', `unknown micro-grid "${microGrid}"`, p)
    else reject(index, 'micro_grid', `"${microGrid}" is outside this key's scope ${source.scope}`, p)
    return undefined
  }

  /**
   * Keeps a row unless an earlier row of this request holds its id: the same content is a
   * duplicate, other content a conflict. False when not kept.
   */
  const keep = (rowIndex: number, eventId: string, hash: number, at: number): boolean => {
    const h = idHash(eventId)
    const row = ids.length
    const first = addRow(byId, ids, eventId, h, row)
    if (first !== row) {
      if (hashes[first] === hash) duplicates++
      else reject(rowIndex, 'event_id', `"${eventId}" is used by row ${indexes[first]} with different content`, 'id_conflict')
      return false
    }
    ids.push(eventId)
    idHashes.push(h)
    hashes.push(hash)
    indexes.push(rowIndex)
    ats.push(at)
    if (ids.length * 2 > byId.keys.length) {
      byId = newRowIndex(ids.length * 2)
      for (let r = 0; r < ids.length; r++) addRow(byId, ids, ids[r]!, idHashes[r]!, r)
    }
    return true
  }

  /** The general path: a parsed row through zod (unless plainly valid), rows.ts and JSON.stringify. */
  const general = (p: ParsedRow) => {
    const { index } = p
    if ('error' in p) {
      rejected.push({ index, field: p.field ?? '', error: p.error, reason: p.reason })
      return
    }
    let e: ReportEvent | VisitEvent
    if (fast(p.value)) e = p.value
    else {
      const v = schema.safeParse(p.value)
      if (!v.success) {
        const d = describeIssues(v.error)
        rejected.push({ index, field: d.field, error: `row ${index}: ${d.error}`, reason: 'schema' })
        return
      }
      e = v.data
    }
    const at = Date.parse(e.at)
    const path = place(index, e.at, at, e.micro_grid)
    if (!path) return
    const row = kind === 'reports' ? reportContent(e as ReportEvent, at, path) : visitContent(e as VisitEvent, at, path)
    const content = JSON.stringify(row)
    const hash = fnv1a(content)
    if (!keep(index, e.event_id, hash, at)) return
    out.writeString(rowLine(content, suffix, hash))
    if (kind === 'reports' && (e as ReportEvent).type === 'reported' && at >= receivedAt - TICKER_WINDOW_MS) {
      const r = e as ReportEvent
      ticker.push({ event_id: r.event_id, report_id: r.report_id, at, category: r.category ?? '', channel: r.channel ?? '', reporter_role: r.reporter_role ?? '', severity: r.severity ?? 0, micro_grid: r.micro_grid, note: row[row.length - 1] as string })
    }
  }

  try {
    // The hot path reads strings as their bytes: only for a body that is UTF-8 throughout.
    if (input.ndjson && input.hotPath !== false && isUtf8(body)) {
      // The hot path: each line straight from its bytes to its stored line (fast-lines.ts), or the general path for what it leaves.
      const lines = fastLines[kind]
      const suffixBytes = Buffer.from(suffix)
      eachNdjsonRow(body, input.maxBatchRows, (index, line, s, e) => {
        const r = lines.scan(body, s, e)
        // A row out of time or place goes the general way too: it words the errors.
        const path = r && placeOf(r.at, r.microGrid)
        if (!path || typeof path === 'string') return general(parseLine(lineText(body, s, e), index, line))
        const start = out.pos
        const hash = lines.write(out, path, r.at, suffixBytes)
        if (hash < 0) {
          out.pos = start
          return general(parseLine(lineText(body, s, e), index, line))
        }
        if (!keep(index, r.eventId, hash, r.at)) {
          out.pos = start
          return
        }
        if (lines.ticker && r.at >= receivedAt - TICKER_WINDOW_MS) {
          const t = lines.ticker()
          if (t) ticker.push({ event_id: r.eventId, report_id: t.report_id, at: r.at, category: t.category, channel: t.channel, reporter_role: t.reporter_role, severity: t.severity, micro_grid: r.microGrid, note: t.note })
        }
      })
    } else for (const p of parseRows(body, input.ndjson, input.maxBatchRows)) general(p)
  } catch (e) {
    // A body that can't be cut into rows (too many, none); anything else is a bug, not the sender's.
    if (!(e instanceof BodyError)) throw e
    return { ok: false, status: e.status, error: e.message }
  } finally {
    fastLines[kind].release()
  }
  rejected.sort((a, b) => a.index - b.index)
  if (ticker.length > TICKER_MAX) {
    ticker.sort((a, b) => a.at - b.at)
    ticker.splice(0, ticker.length - TICKER_MAX)
  }
  return {
    ok: true,
    batch: { lines: out.lines(), ids, idHashes: Int32Array.from(idHashes), index: byId, hashes: Uint32Array.from(hashes), indexes: Int32Array.from(indexes), ats: Float64Array.from(ats), rejected, duplicates, ticker },
  }
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
