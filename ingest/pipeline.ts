/**
 * The ingest pipeline: parse → validate → enrich (registry) → redact → dedupe → batch → store.
 * HTTP routes, the demo simulator and CLIs all go through `accept`, so every source gets the
 * same checks and the same acknowledgement: a result is returned only after the accepted rows
 * are in the store.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { IngestResult } from '../server/contracts/ingest.ts'
import type { Scope } from '../server/contracts/live.ts'
import { chTime } from '../sql/queries.ts'
import { Batcher, BatcherFullError } from './batcher.ts'
import { decodeBody, isNdjson, parseRows } from './parse.ts'
import { redact } from './redact.ts'
import type { MicroGridPath, Registry } from './registry/registry.ts'
import { describeIssues, reportEventSchema, visitEventSchema, type EventKind, type ReportEvent, type VisitEvent } from './schema.ts'

/** Who is sending: the ingest key's name and the scope it may write to. */
export interface IngestSource {
  name: string
  scope: Scope
}

export interface ReportRow extends MicroGridPath {
  event_id: string
  report_id: string
  type: ReportEvent['type']
  at: string
  received_at: string
  category: string
  channel: string
  reporter_role: string
  severity: number
  lat: number | null
  lon: number | null
  department: string
  note: string
  source: string
}

export interface VisitRow extends MicroGridPath {
  event_id: string
  at: string
  received_at: string
  worker_id: string
  worker_role: string
  household: string
  groups: string[]
  kind: string
  duration_min: number | null
  follow_up: number
  note: string
  source: string
}

export type AcceptedListener = (kind: EventKind, rows: ReportRow[] | VisitRow[]) => void

/** Too much is already waiting for the store: answer 503 with Retry-After; nothing was kept. */
export class IngestBusyError extends Error {
  constructor(cause: BatcherFullError) {
    super(`ingest is busy: ${cause.message}`)
    this.name = 'IngestBusyError'
  }
}

export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the store did not take the events: ${(cause as Error)?.message ?? String(cause)}`)
    this.name = 'StoreUnavailableError'
  }
}

export interface IngestOptions {
  writer: ClickHouseClient
  registry: () => Registry
  flushRows: number
  flushMs: number
  maxBatchRows: number
  /** Rows that may wait for the store per stream before requests are refused with 503. */
  maxPendingRows: number
  /** How many recent event ids to remember for answering `duplicates`. */
  recentIds?: number
  now?: () => number
}

const FUTURE_TOLERANCE_MS = 10 * 60 * 1000
/**
 * Events older than this are refused: nothing real is that late, and one batch spanning more
 * months than ClickHouse inserts into at once (100 partitions) would fail everyone's insert.
 */
const MAX_AGE_MS = 5 * 366 * 86_400_000

function inScope(path: MicroGridPath, scope: Scope): boolean {
  if (scope === 'city') return true
  const code = scope.slice(scope.indexOf(':') + 1)
  return path.district === code || path.street === code || path.community === code
}

export class Ingest {
  private readonly batchers: { reports: Batcher<ReportRow>; visits: Batcher<VisitRow> }
  private readonly listeners: AcceptedListener[] = []
  /**
   * Recently stored event ids → row fingerprint, in two generations: when the young one is full
   * it becomes the old one and the old one is dropped. O(1) per id, unlike evicting a Map's
   * oldest key, which walks past every deleted entry.
   */
  private recentYoung = new Map<string, string>()
  private recentOld = new Map<string, string>()
  private readonly recentMax: number
  private readonly now: () => number
  /** Rows handed to the store but not yet acknowledged: a concurrent resend waits for them. */
  private readonly inFlight = new Map<string, { fp: string; stored: Promise<void> }>()
  readonly stats = { accepted: 0, duplicates: 0, rejected: 0 }

  constructor(private readonly opts: IngestOptions) {
    this.now = opts.now ?? Date.now
    this.recentMax = opts.recentIds ?? 200_000
    const batch = { flushRows: opts.flushRows, flushMs: opts.flushMs, maxPendingRows: opts.maxPendingRows }
    this.batchers = {
      reports: new Batcher<ReportRow>((rows) => this.insert('report_events', rows), batch),
      visits: new Batcher<VisitRow>((rows) => this.insert('visit_events', rows), batch),
    }
  }

  onAccepted(listener: AcceptedListener): void {
    this.listeners.push(listener)
  }

  /** Parses a request body and ingests its rows. Throws `BodyError` for a body that holds no rows. */
  async acceptBody(kind: EventKind, body: Buffer | string, contentType: string | undefined, source: IngestSource): Promise<IngestResult> {
    const parsed = parseRows(decodeBody(body), isNdjson(contentType), this.opts.maxBatchRows)
    const values: unknown[] = []
    const preRejected: IngestResult['rejected'] = []
    const indexOf: number[] = []
    for (const p of parsed) {
      if ('error' in p) preRejected.push({ index: p.index, error: p.error })
      else {
        values.push(p.value)
        indexOf.push(p.index)
      }
    }
    const result = await this.accept(kind, values, source, indexOf)
    const rejected = [...preRejected, ...result.rejected]
    rejected.sort((a, b) => a.index - b.index)
    this.stats.rejected += preRejected.length
    return { ...result, rejected }
  }

  /**
   * Validates and stores rows; resolves once the accepted ones are in the store.
   * `rowIndex[i]` is the position of `values[i]` in the request, used to name rejected rows.
   */
  async accept(kind: EventKind, values: readonly unknown[], source: IngestSource, rowIndex?: readonly number[]): Promise<IngestResult> {
    const registry = this.opts.registry()
    const receivedAt = this.now()
    const received = chTime(receivedAt)
    const rejected: IngestResult['rejected'] = []
    const rows: Array<ReportRow | VisitRow> = []
    const fingerprints: string[] = []
    const inBatch = new Map<string, { index: number; fp: string }>()
    const waitFor = new Set<Promise<void>>()
    let duplicates = 0

    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      const index = rowIndex?.[i] ?? i
      const parsed = kind === 'reports' ? reportEventSchema.safeParse(v) : visitEventSchema.safeParse(v)
      if (!parsed.success) {
        const d = describeIssues(parsed.error)
        rejected.push({ index, error: `row ${index}: ${d.error}` })
        continue
      }
      const e = parsed.data
      const at = Date.parse(e.at)
      if (at > receivedAt + FUTURE_TOLERANCE_MS) {
        rejected.push({ index, error: `row ${index}: at: is more than 10 minutes in the future (${e.at})` })
        continue
      }
      if (at < receivedAt - MAX_AGE_MS) {
        rejected.push({ index, error: `row ${index}: at: is more than 5 years in the past (${e.at})` })
        continue
      }
      const path = registry.microGridPath(e.micro_grid)
      if (!path) {
        rejected.push({ index, error: `row ${index}: micro_grid: unknown micro-grid "${e.micro_grid}"` })
        continue
      }
      if (!inScope(path, source.scope)) {
        rejected.push({ index, error: `row ${index}: micro_grid: "${e.micro_grid}" is outside this key's scope ${source.scope}` })
        continue
      }
      const row = kind === 'reports' ? reportRow(e as ReportEvent, at, path, received, source) : visitRow(e as VisitEvent, at, path, received, source)
      // The stored row without its arrival facts: the same event sent again, in any key order
      // or by another source, has the same fingerprint.
      const fp = JSON.stringify({ ...row, received_at: '', source: '' })
      const seen = inBatch.get(e.event_id)
      if (seen) {
        if (seen.fp === fp) duplicates++
        else rejected.push({ index, error: `row ${index}: event_id: "${e.event_id}" is used by row ${seen.index} with different content` })
        continue
      }
      inBatch.set(e.event_id, { index, fp })
      const key = `${kind}:${e.event_id}`
      const pending = this.inFlight.get(key)
      const known = this.recentYoung.get(key) ?? this.recentOld.get(key) ?? pending?.fp
      if (known !== undefined) {
        if (known !== fp) {
          rejected.push({ index, error: `row ${index}: event_id: "${e.event_id}" was already received with different content` })
          continue
        }
        duplicates++
        // A duplicate of rows still being written is only a duplicate once they are stored.
        if (pending) waitFor.add(pending.stored)
        continue
      }
      rows.push(row)
      fingerprints.push(fp)
    }

    if (rows.length > 0) {
      const stored = kind === 'reports' ? this.batchers.reports.add(rows as ReportRow[]) : this.batchers.visits.add(rows as VisitRow[])
      const keys = rows.map((r) => `${kind}:${r.event_id}`)
      keys.forEach((k, i) => this.inFlight.set(k, { fp: fingerprints[i]!, stored }))
      try {
        await stored
        // Remembered only once stored: a failed write must not turn the client's retry into a "duplicate".
        keys.forEach((k, i) => this.remember(k, fingerprints[i]!))
      } catch (e) {
        throw e instanceof BatcherFullError ? new IngestBusyError(e) : new StoreUnavailableError(e)
      } finally {
        for (const k of keys) if (this.inFlight.get(k)?.stored === stored) this.inFlight.delete(k)
      }
      for (const l of this.listeners) l(kind, rows as ReportRow[] | VisitRow[])
    }
    try {
      await Promise.all(waitFor)
    } catch (e) {
      throw new StoreUnavailableError(e)
    }
    this.stats.accepted += rows.length
    this.stats.duplicates += duplicates
    this.stats.rejected += rejected.length
    return { accepted: rows.length, duplicates, rejected }
  }

  async drain(): Promise<void> {
    await Promise.all([this.batchers.reports.drain(), this.batchers.visits.drain()])
  }

  private remember(key: string, fp: string): void {
    this.recentYoung.set(key, fp)
    if (this.recentYoung.size >= this.recentMax / 2) {
      this.recentOld = this.recentYoung
      this.recentYoung = new Map()
    }
  }

  private async insert(table: 'report_events' | 'visit_events', rows: Array<ReportRow | VisitRow>): Promise<void> {
    await this.opts.writer.insert({ table, values: rows, format: 'JSONEachRow' })
  }
}

function reportRow(e: ReportEvent, at: number, path: MicroGridPath, received: string, source: IngestSource): ReportRow {
  return {
    event_id: e.event_id,
    report_id: e.report_id,
    type: e.type,
    at: chTime(at),
    received_at: received,
    ...path,
    category: e.category ?? '',
    channel: e.channel ?? '',
    reporter_role: e.reporter_role ?? '',
    severity: e.severity ?? 0,
    lat: e.lat ?? null,
    lon: e.lon ?? null,
    department: e.department ?? '',
    note: e.note ? redact(e.note) : '',
    source: source.name,
  }
}

function visitRow(e: VisitEvent, at: number, path: MicroGridPath, received: string, source: IngestSource): VisitRow {
  return {
    event_id: e.event_id,
    at: chTime(at),
    received_at: received,
    ...path,
    worker_id: e.worker_id,
    worker_role: e.worker_role,
    household: e.household,
    groups: [...new Set(e.groups)],
    kind: e.kind,
    duration_min: e.duration_min ?? null,
    follow_up: e.follow_up ? 1 : 0,
    note: e.note ? redact(e.note) : '',
    source: source.name,
  }
}
