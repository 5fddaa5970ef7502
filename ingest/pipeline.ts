/**
 * The ingest pipeline (DESIGN §3, §7):
 *
 *   body → worker thread: parse → validate → enrich → redact → serialise (process.ts)
 *        → main thread: drop resends (recent ids, in-flight ids)
 *        → spool: append + fdatasync, group-committed            ← the 2xx is sent here
 *        → flusher: batch → insert with a deduplication token → commit
 *
 * HTTP routes, the demo simulator and `npm run ingest` all go through `acceptBody`, so every
 * source gets the same checks and the same acknowledgement: durable on local disk. Memory is
 * bounded everywhere: request bytes in processing (429 past it), spool bytes (503 past it),
 * the resend memory (a fixed number of ids).
 */
import path from 'node:path'
import type { Registry as MetricsRegistry } from 'prom-client'
import type { IngestResult, Rejection } from '../server/contracts/ingest.ts'
import type { Scope } from '../server/contracts/live.ts'
import type { Config } from '../server/config.ts'
import type { Logger } from '../server/log.ts'
import { chTime, sql } from '../sql/queries.ts'
import type { Store } from '../sql/store.ts'
import { RecentIds } from './dedupe.ts'
import { Flusher } from './flusher.ts'
import { IngestMetrics } from './metrics.ts'
import { BodyError, isNdjson } from './parse.ts'
import { findRow } from './id-table.ts'
import { lineEnds, type ProcessedBatch, type TickerSource } from './process.ts'
import type { Registry } from './registry/registry.ts'
import { COLUMNS, lineIdentity, TABLES } from './rows.ts'
import type { EventKind } from './schema.ts'
import { Spool, SpoolFullError, SpoolWriteError, type SpoolBatch } from './spool/spool.ts'
import { IngestWorkers } from './workers/pool.ts'

/** Who is sending: the ingest key's name and the scope it may write to. */
export interface IngestSource {
  name: string
  scope: Scope
}

/** Too many request bytes are being processed: answer 429 with Retry-After; nothing was kept. */
export class IngestBusyError extends Error {
  constructor(readonly inFlightBytes: number) {
    super(`ingest is busy: ${inFlightBytes} bytes of requests are being processed`)
    this.name = 'IngestBusyError'
  }
}

/** The spool can't take the events (full while the store is away, or its disk failed): 503. */
export class IngestUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSec: number,
  ) {
    super(message)
    this.name = 'IngestUnavailableError'
  }
}

export interface IngestOptions {
  /** The store: its writer connection for reads at start, and its inserts of stored lines. */
  store: Pick<Store, 'writer' | 'insertLines'>
  registry: Registry
  /** Where the spools live (`<dir>/reports`, `<dir>/visits`). */
  spoolDir: string
  /** Spooled bytes per stream that may wait for the store before requests get 503. */
  spoolMaxBytes: number
  flushRows: number
  /** The most rows one insert takes when a backlog waits. */
  flushMaxRows: number
  flushMs: number
  maxBatchRows: number
  /** Request bytes that may be in processing at once before requests get 429. */
  maxInFlightBytes: number
  /** How long a request body may send nothing before it is answered 408, ms. */
  bodyIdleMs: number
  /** Worker threads for parsing and validating (0: on the main thread). */
  workers: number
  /** How many recent event ids to remember per stream for answering resends. */
  recentIds: number
  metrics: MetricsRegistry
  log: Logger
  now?: () => number
  retry?: { minMs: number; maxMs: number }
}

/** `Ingest.open`'s options from the configuration: the same for the server and `npm run ingest`. */
export function ingestOptions(config: Config, deps: Pick<IngestOptions, 'store' | 'registry' | 'metrics' | 'log' | 'now'>): IngestOptions {
  const c = config.ingest
  return {
    ...deps,
    spoolDir: path.join(config.dataDir, 'spool'),
    spoolMaxBytes: c.spoolMaxBytes,
    flushRows: c.flushRows,
    flushMaxRows: Math.max(c.flushRows, c.flushMaxRows),
    flushMs: c.flushMs,
    maxBatchRows: c.maxBatchRows,
    maxInFlightBytes: c.maxInFlightBytes,
    bodyIdleMs: c.bodyIdleMs,
    workers: c.workers,
    recentIds: c.recentIds,
    retry: { minMs: Math.min(200, c.retryMaxMs), maxMs: c.retryMaxMs },
  }
}

/** Room held in the in-flight budget for one request body (`Ingest.admit`). */
export interface Admission {
  /** Bytes held now. */
  readonly bytes: number
  /**
   * Holds room for `total` bytes in all (nothing to do when it holds that much). Throws
   * IngestBusyError (429), still holding what it held, when the rest does not fit.
   */
  grow(total: number): void
  /** Holds only `total` bytes when it holds more (a compressed body, once inflated, holds its size). */
  shrink(total: number): void
  /** Gives all of it back; again is harmless. */
  release(): void
}

/** A request's rows appended to the spool and not yet durable: a concurrent resend of one waits for them. */
type Pending = { batch: ProcessedBatch; appended: Uint8Array; durable: Promise<void> }
/** A stream's state: its ids are keys of its own tables, never mixed with the other stream's. */
type Stream = {
  spool: Spool
  flusher: Flusher
  recent: RecentIds
  pending: Pending[]
}

export class Ingest {
  private readonly streams: Record<EventKind, Stream>
  private readonly workers: IngestWorkers
  private readonly now: () => number
  private readonly tickerListeners: Array<(items: TickerSource[]) => void> = []
  private readonly storedListeners: Array<(kind: EventKind, rows: number) => void> = []
  private inFlightBytes = 0
  private closing = false
  readonly metrics: IngestMetrics
  readonly stats = { accepted: 0, duplicates: 0, rejected: 0 }

  private constructor(
    private readonly opts: IngestOptions,
    streams: Record<EventKind, { spool: Spool; recent: RecentIds }>,
  ) {
    this.now = opts.now ?? Date.now
    this.workers = new IngestWorkers({ size: opts.workers, places: opts.registry.places, log: opts.log })
    this.metrics = new IngestMetrics(opts.metrics, (s) => {
      const st = this.streams[s]
      return { rows: st.spool.pendingRows, bytes: st.spool.pendingBytes, ageMs: st.spool.oldestAgeMs(), failures: st.flusher.failures }
    })
    const make = (kind: EventKind): Stream => {
      const { spool, recent } = streams[kind]
      const flusher = new Flusher({
        name: kind,
        spool,
        insert: (payloads, token) => this.insert(kind, payloads, token),
        flushRows: opts.flushRows,
        flushMaxRows: opts.flushMaxRows,
        saturated: () => this.workers.backlog() > 0,
        flushMs: opts.flushMs,
        log: opts.log,
        deadLetterFile: path.join(opts.spoolDir, kind, 'dead-letter.ndjson'),
        retry: opts.retry,
        onStored: (batch: SpoolBatch, ms: number) => {
          this.metrics.storedRows.inc({ stream: kind }, batch.rows)
          this.metrics.flushSeconds.observe({ stream: kind }, ms / 1000)
          for (const l of this.storedListeners) l(kind, batch.rows)
        },
        onInsertError: () => this.metrics.storeErrors.inc({ stream: kind }),
        onDeadLetter: (rows) => this.metrics.deadLetterRows.inc({ stream: kind }, rows),
      })
      return { spool, recent, flusher, pending: [] }
    }
    this.streams = { reports: make('reports'), visits: make('visits') }
  }

  /**
   * Opens the spools (finding what a crash left in them), rebuilds the resend memory from the
   * spools and the store, and starts moving spooled events into the store.
   */
  static async open(opts: IngestOptions): Promise<Ingest> {
    const open = async (kind: EventKind) => ({
      spool: await Spool.open({ dir: path.join(opts.spoolDir, kind), maxBytes: opts.spoolMaxBytes, now: opts.now, warn: (m, f) => opts.log.warn(m, f) }),
      recent: new RecentIds(opts.recentIds),
    })
    const ingest = new Ingest(opts, { reports: await open('reports'), visits: await open('visits') })
    await ingest.remember()
    for (const s of Object.values(ingest.streams)) s.flusher.start()
    return ingest
  }

  /** New accepted reports recent enough for the live ticker. */
  onTicker(listener: (items: TickerSource[]) => void): void {
    this.tickerListeners.push(listener)
  }

  /** Rows of a stream have reached the store (the live figures can move). */
  onStored(listener: (kind: EventKind, rows: number) => void): void {
    this.storedListeners.push(listener)
  }

  /** A new registry (after an import): requests from now on are checked against it. */
  setRegistry(registry: Registry): void {
    this.workers.setRegistry(registry.places)
  }

  /**
   * Reserves room for a request body before it is read, so memory stays bounded however many
   * clients send at once: `bytes` now, more with `grow` as the body arrives. Throws
   * IngestBusyError (429) past INGEST_MAX_INFLIGHT_BYTES, or IngestUnavailableError while
   * shutting down. Release the admission when the request is done, however it ends.
   */
  admit(bytes: number): Admission {
    if (this.closing) throw new IngestUnavailableError('ingest is shutting down; retry shortly', 2)
    this.hold(bytes, 0)
    let held = bytes
    let released = false
    return {
      get bytes() {
        return held
      },
      grow: (total) => {
        if (released || total <= held) return
        this.hold(total - held, held)
        held = total
      },
      shrink: (total) => {
        if (released || total >= held) return
        this.inFlightBytes -= held - Math.max(0, total)
        held = Math.max(0, total)
      },
      release: () => {
        if (!released) this.inFlightBytes -= held
        released = true
      },
    }
  }

  /** Bytes the admissions of requests in flight hold now. */
  get inFlight(): number {
    return this.inFlightBytes
  }

  /** How long a request body may send nothing before it is answered 408 (INGEST_BODY_IDLE_MS). */
  get bodyIdleMs(): number {
    return this.opts.bodyIdleMs
  }

  /**
   * Adds `more` bytes to the in-flight ones for a request that holds `own` already, or throws
   * IngestBusyError. A request with nothing else in flight may go past the bound: a body larger
   * than it could never be sent otherwise.
   */
  private hold(more: number, own: number): void {
    if (this.inFlightBytes > own && this.inFlightBytes + more > this.opts.maxInFlightBytes) {
      this.metrics.refused.inc({ status: '429', why: 'busy' })
      throw new IngestBusyError(this.inFlightBytes)
    }
    this.inFlightBytes += more
  }

  /**
   * Parses a request body and ingests its rows; resolves once the accepted ones are durable. The
   * body may be handed to a worker thread (not copied): don't read it afterwards.
   * Throws BodyError (400/413) for a body that holds no rows, IngestUnavailableError (503).
   * The caller has admitted the body (`admit`).
   */
  async acceptBody(kind: EventKind, body: Buffer, contentType: string | undefined, source: IngestSource): Promise<IngestResult> {
    if (this.closing) throw new IngestUnavailableError('ingest is shutting down; retry shortly', 2)
    return this.accept(kind, body, contentType, source)
  }

  /**
   * What stops ingest from acknowledging or storing, for /healthz: a spool whose disk failed, a
   * spool that can't write its checkpoint. A store that is away is not here: the spool rides it
   * out (it shows in /metrics).
   */
  health(): { ok: boolean; problems: string[] } {
    const problems: string[] = []
    for (const [kind, s] of Object.entries(this.streams)) {
      if (s.spool.failure) problems.push(`${kind}: ${s.spool.failure}`)
      if (s.flusher.spoolFailures > 0) problems.push(`${kind}: ${s.flusher.lastError ?? 'the spool is failing'}`)
    }
    return { ok: problems.length === 0, problems }
  }

  /** Resolves once everything acknowledged so far is in the store. */
  async drain(): Promise<void> {
    await Promise.all(Object.values(this.streams).map((s) => s.flusher.drained()))
  }

  /**
   * Stops taking requests, lets the store take what the spool holds for up to `graceMs`, then
   * stops; anything left stays in the spool for the next start.
   */
  async close(graceMs = 5_000): Promise<void> {
    this.closing = true
    await Promise.race([this.drain(), new Promise((r) => setTimeout(r, graceMs).unref())])
    await Promise.all(Object.values(this.streams).map((s) => s.flusher.stop()))
    await Promise.all(Object.values(this.streams).map((s) => s.spool.close()))
    await this.workers.close()
  }

  private async accept(kind: EventKind, body: Buffer, contentType: string | undefined, source: IngestSource): Promise<IngestResult> {
    const stream = this.streams[kind]
    const result = await this.workers.run({ kind, body, ndjson: isNdjson(contentType), source, receivedAt: this.now(), maxBatchRows: this.opts.maxBatchRows })
    if (!result.ok) {
      if (result.status === 413) this.metrics.refused.inc({ status: '413', why: 'rows' })
      throw new BodyError(result.status, result.error)
    }
    const b = result.batch
    const rejected: Rejection[] = [...b.rejected]
    let duplicates = b.duplicates
    const keep: number[] = []
    const waitFor = new Set<Promise<void>>()
    const { recent, pending } = stream
    for (let i = 0; i < b.ids.length; i++) {
      const id = b.ids[i]!
      const h = b.idHashes[i]!
      let known = recent.get(id, h)
      if (known === undefined) {
        // Rows of other requests still being made durable: a resend of one is only a duplicate once they are.
        for (const p of pending) {
          const row = findRow(p.batch.index, p.batch.ids, id, h)
          if (row >= 0 && p.appended[row]) {
            known = p.batch.hashes[row]!
            if (known === b.hashes[i]) waitFor.add(p.durable)
            break
          }
        }
      }
      if (known === undefined) keep.push(i)
      else if (known !== b.hashes[i]) {
        const index = b.indexes[i]!
        rejected.push({ index, field: 'event_id', reason: 'id_conflict', error: `row ${index}: event_id: "${id}" was already received with different content` })
      } else duplicates++
    }
    if (keep.length > 0) {
      let payload = b.lines
      if (keep.length < b.ids.length) {
        const ends = lineEnds(b.lines)
        payload = Buffer.concat(keep.map((i) => b.lines.subarray(ends[i - 1] ?? 0, ends[i])))
      }
      const appended = new Uint8Array(b.ids.length)
      for (const i of keep) appended[i] = 1
      const mine: Pending = { batch: b, appended, durable: stream.spool.append(payload, keep.length) }
      pending.push(mine)
      try {
        await mine.durable
      } catch (e) {
        throw this.unavailable(e)
      } finally {
        pending.splice(pending.indexOf(mine), 1)
      }
      // Remembered only once durable: a failed write must not turn the client's retry into a "duplicate".
      for (const i of keep) recent.set(b.ids[i]!, b.hashes[i]!, b.idHashes[i]!)
      const now = this.now()
      this.metrics.arrivalLag.observeAll(kind, keep.map((i) => Math.max(0, (now - b.ats[i]!) / 1000)))
      if (b.ticker.length > 0) {
        const kept = new Set(keep.map((i) => b.ids[i]))
        const items = b.ticker.filter((t) => kept.has(t.event_id))
        if (items.length > 0) for (const l of this.tickerListeners) l(items)
      }
    }
    try {
      await Promise.all(waitFor)
    } catch (e) {
      throw this.unavailable(e)
    }
    rejected.sort((x, y) => x.index - y.index)
    for (const r of rejected) this.metrics.rejected.inc({ stream: kind, reason: r.reason })
    this.metrics.accepted.inc({ stream: kind }, keep.length)
    this.metrics.duplicates.inc({ stream: kind }, duplicates)
    this.stats.accepted += keep.length
    this.stats.duplicates += duplicates
    this.stats.rejected += rejected.length
    return { accepted: keep.length, duplicates, rejected }
  }

  private unavailable(e: unknown): Error {
    if (e instanceof SpoolFullError) {
      this.metrics.refused.inc({ status: '503', why: 'spool_full' })
      return new IngestUnavailableError(`${e.message}; the store is behind or away. Nothing from this request was kept; retry later`, 5)
    }
    if (e instanceof SpoolWriteError) {
      this.metrics.refused.inc({ status: '503', why: 'disk' })
      this.opts.log.error('ingest spool write failed', { error: e.message })
      return new IngestUnavailableError(`${e.message}. Nothing from this request was kept; retry later`, 10)
    }
    return e as Error
  }

  private async insert(kind: EventKind, payloads: Buffer[], token: string): Promise<void> {
    await this.opts.store.insertLines(TABLES[kind], COLUMNS[kind], payloads, token)
  }

  /**
   * The resend memory after a start: ids still in the spool (read from its lines) and the
   * newest ids in the store. If the store can't be read now, the spool's ids still count and
   * older resends are collapsed by the tables' engine instead.
   */
  private async remember(): Promise<void> {
    for (const [kind, s] of Object.entries(this.streams) as Array<[EventKind, Stream]>) {
      try {
        const rs = await this.opts.store.writer.query({
          query: sql('recent_event_ids'),
          query_params: { table: TABLES[kind], since: chTime(this.now() - 7 * 86_400_000), limit: Math.floor(this.opts.recentIds / 2) },
          format: 'JSONCompactEachRow',
        })
        const rows = await rs.json<[string, number]>()
        for (let i = rows.length - 1; i >= 0; i--) s.recent.set(rows[i]![0], Number(rows[i]![1]))
      } catch (e) {
        this.opts.log.warn('could not read recent event ids from the store; resends of older events will be collapsed by the store instead', { stream: kind, error: String(e) })
      }
      for await (const payload of s.spool.pendingPayloads()) {
        for (const line of payload.toString('utf8').split('\n')) {
          if (line === '') continue
          const { eventId, hash } = lineIdentity(line)
          s.recent.set(eventId, hash)
        }
      }
    }
  }
}
