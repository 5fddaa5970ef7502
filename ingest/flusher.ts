/**
 * Moves spooled events into the store, in order, one batch at a time, once `flushRows` wait or
 * the oldest has waited `flushMs`: the oldest frames, up to `flushMaxRows`. So a backlog (a burst
 * faster than the store, or a store that was away) goes in fewer, larger inserts, which cost the
 * engine less per row and leave it fewer parts to merge (BENCHMARKS.md, "The ingest hot path").
 * While ingest is saturated (`saturated()`: requests queue for a worker thread) it waits for a
 * full batch, or for the oldest row to have waited SATURATED_WAIT × `flushMs`: on an embedded
 * store the engine's inserts take the same cores that acknowledge, and a burst is acknowledged
 * first, stored right after. A failing store is
 * retried with capped exponential backoff, the same batch under the same deduplication token,
 * for as long as it takes; the spool keeps accepting meanwhile (up to its bound).
 *
 * A batch the store refuses for its *content* (a data error, not an outage) would block the
 * spool forever, so it is split in halves until the rows at fault are found; those go to a
 * dead-letter file beside the spool (logged, counted, never dropped) and the rest is stored.
 */
import fsp from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from '../server/log.ts'
import type { Spool, SpoolBatch } from './spool/spool.ts'

export interface FlusherOptions {
  name: string
  spool: Spool
  /** Inserts lines (whole rows) under a deduplication token. */
  insert: (payloads: Buffer[], token: string) => Promise<void>
  flushRows: number
  flushMaxRows: number
  flushMs: number
  /** Ingest is taking requests faster than it processes them (they queue). */
  saturated?: () => boolean
  log: Logger
  /** Where rows the store refuses for their content are kept. */
  deadLetterFile: string
  retry?: { minMs: number; maxMs: number }
  onStored?: (batch: SpoolBatch, ms: number) => void
  onInsertError?: (e: unknown) => void
  onDeadLetter?: (rows: number) => void
}

/**
 * ClickHouse error codes that mean "this data can't go in", as opposed to "not now":
 * parse and conversion failures, values out of range.
 */
const DATA_ERROR_CODES = new Set(['6', '26', '27', '32', '38', '41', '53', '69', '70', '72', '117', '131', '321'])

export function isDataError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code
  return typeof code === 'string' && DATA_ERROR_CODES.has(code)
}

/** How many `flushMs` the oldest row may wait while ingest is saturated (1 s by default). */
export const SATURATED_WAIT = 10

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref())

export class Flusher {
  private stopped = false
  private running: Promise<void> | undefined
  private idleWaiters: Array<() => void> = []
  /** Consecutive failed attempts of the current batch (0 when the store is healthy). */
  failures = 0
  /** Consecutive failures of the spool's own files between inserts (0 when healthy). */
  spoolFailures = 0
  lastError: string | undefined

  constructor(private readonly opts: FlusherOptions) {}

  start(): void {
    this.running ??= this.loop()
  }

  /** Resolves once everything spooled so far is in the store. */
  drained(): Promise<void> {
    if (this.opts.spool.pendingFrames === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Stops after the insert under way; what is left stays in the spool for the next start. */
  async stop(): Promise<void> {
    this.stopped = true
    this.opts.spool.wake()
    await this.running
  }

  private async loop(): Promise<void> {
    const { spool, flushRows, flushMaxRows, flushMs } = this.opts
    while (!this.stopped) {
      if (spool.pendingFrames === 0) {
        this.idleWaiters.splice(0).forEach((f) => f())
        await spool.waitForFrames()
        continue
      }
      const age = spool.oldestAgeMs()
      const saturated = this.opts.saturated?.() ?? false
      const rows = saturated ? flushMaxRows : flushRows
      const wait = saturated ? SATURATED_WAIT * flushMs : flushMs
      if (spool.pendingRows < rows && age < wait) {
        // Looked at again every flushMs at most: saturation ends without notice.
        await sleep(Math.min(flushMs, wait - age))
        continue
      }
      try {
        const batch = (await spool.next(flushMaxRows))!
        await spool.begin(batch)
        const started = performance.now()
        if (!(await this.store(batch))) return
        await spool.commit(batch)
        this.spoolFailures = 0
        this.opts.onStored?.(batch, performance.now() - started)
      } catch (e) {
        // The spool's own files failed (a full disk, say): keep trying — acknowledged rows stay
        // on disk, and a commit that failed only means the batch is inserted again, deduplicated.
        this.spoolFailures++
        this.lastError = `spool: ${String((e as Error)?.message ?? e)}`
        if (this.spoolFailures === 1 || this.spoolFailures % 30 === 0) {
          this.opts.log.error('the ingest spool failed between inserts; retrying', { stream: this.opts.name, attempt: this.spoolFailures, error: this.lastError })
        }
        await sleep(Math.min(30_000, 200 * 2 ** Math.min(this.spoolFailures - 1, 10)))
      }
    }
  }

  /** Inserts a batch until it is in; false when stopped first. */
  private async store(batch: SpoolBatch): Promise<boolean> {
    const token = `${this.opts.name}-${this.opts.spool.id}-${batch.first}-${batch.last}`
    const { minMs, maxMs } = this.opts.retry ?? { minMs: 200, maxMs: 30_000 }
    for (;;) {
      try {
        await this.insertOrSplit(batch.payloads, token)
        if (this.failures > 0) this.opts.log.info('the store takes events again', { stream: this.opts.name, afterFailures: this.failures })
        this.failures = 0
        this.lastError = undefined
        return true
      } catch (e) {
        this.failures++
        this.lastError = String((e as Error)?.message ?? e)
        this.opts.onInsertError?.(e)
        // Once, then every 30th attempt: an outage of hours must not flood the log.
        if (this.failures === 1 || this.failures % 30 === 0) {
          this.opts.log.error('storing spooled events failed; retrying', { stream: this.opts.name, attempt: this.failures, pendingRows: this.opts.spool.pendingRows, error: this.lastError })
        }
        if (this.stopped) return false
        const wait = Math.min(maxMs, minMs * 2 ** Math.min(this.failures - 1, 20))
        await sleep(wait * (0.75 + Math.random() * 0.5))
        if (this.stopped) return false
      }
    }
  }

  private async insertOrSplit(payloads: Buffer[], token: string): Promise<void> {
    try {
      await this.opts.insert(payloads, token)
    } catch (e) {
      if (!isDataError(e)) throw e
      const lines = payloads.flatMap(splitLines)
      this.opts.log.error('the store refused a batch for its content; finding the rows at fault', { stream: this.opts.name, rows: lines.length, error: String((e as Error).message) })
      await this.bisect(lines, token, e)
    }
  }

  /** Halves until single rows: good halves are stored (tokens derived from the batch's), bad rows set aside. */
  private async bisect(lines: Buffer[], token: string, cause: unknown): Promise<void> {
    if (lines.length === 1) {
      await this.deadLetter(lines[0]!, cause)
      return
    }
    const mid = lines.length >> 1
    for (const [part, half] of [['a', lines.slice(0, mid)], ['b', lines.slice(mid)]] as const) {
      const t = `${token}${part}`
      try {
        await this.opts.insert(half, t)
      } catch (e) {
        if (!isDataError(e)) throw e
        await this.bisect(half, t, e)
      }
    }
  }

  private async deadLetter(line: Buffer, cause: unknown): Promise<void> {
    const entry = JSON.stringify({ at: new Date().toISOString(), error: String((cause as Error)?.message ?? cause), row: line.toString('utf8').trimEnd() })
    await fsp.mkdir(path.dirname(this.opts.deadLetterFile), { recursive: true })
    const fh = await fsp.open(this.opts.deadLetterFile, 'a')
    try {
      await fh.writeFile(`${entry}\n`)
      await fh.datasync()
    } finally {
      await fh.close()
    }
    this.opts.onDeadLetter?.(1)
    this.opts.log.error('a spooled row the store refuses was set aside', { stream: this.opts.name, file: this.opts.deadLetterFile, error: String((cause as Error)?.message ?? cause) })
  }
}

function splitLines(b: Buffer): Buffer[] {
  const out: Buffer[] = []
  let start = 0
  for (;;) {
    const end = b.indexOf(0x0a, start)
    if (end < 0) {
      if (start < b.length) out.push(b.subarray(start))
      return out
    }
    out.push(b.subarray(start, end + 1))
    start = end + 1
  }
}
