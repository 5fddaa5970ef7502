/**
 * Runs the pack's builders on one worker thread, one job at a time. A PDF lays out text with a
 * 20 MB CJK font and draws charts: hundreds of milliseconds of CPU that must not stall the
 * event loop serving the wall's sockets, and two leaders clicking at once must not take both
 * cores. So the work is bounded: one job runs, a few wait, more are refused (PackBusyError), a
 * job that runs too long has its worker ended (PackTimeoutError), and an idle worker is ended
 * to give back its memory; the next job starts a fresh one.
 */
import { Worker } from 'node:worker_threads'
import type { PackJob } from './build.ts'

export type ToPackWorker = { id: number; job: PackJob }
type FromPackWorker = { id: number; bytes: Uint8Array } | { id: number; failed: string }

// Worker threads don't inherit tsx's loader; the ingest workers' boot registers it, then loads the entry.
const BOOT = new URL('../../ingest/workers/boot.mjs', import.meta.url)
const ENTRY = new URL('./worker.ts', import.meta.url).href

export class PackBusyError extends Error {
  constructor(readonly retryAfterSec: number) {
    super('the monthly pack is being built for other requests')
    this.name = 'PackBusyError'
  }
}

export class PackTimeoutError extends Error {
  constructor(ms: number) {
    super(`building the monthly pack took longer than ${Math.round(ms / 1000)} s and was stopped`)
    this.name = 'PackTimeoutError'
  }
}

export class PackFailedError extends Error {
  constructor(detail: string) {
    super(`building the monthly pack failed: ${detail.split('\n')[0]}`)
    this.name = 'PackFailedError'
  }
}

export interface PackRunnerOptions {
  /** Jobs that may wait behind the running one before more are refused. */
  maxWaiting?: number
  /** Longest a job may run before its worker is ended, ms. */
  timeoutMs?: number
  /** An idle worker is ended after this long, ms. */
  idleMs?: number
}

interface Pending {
  job: PackJob
  resolve: (b: Buffer) => void
  reject: (e: unknown) => void
}

export class PackRunner {
  private worker: Worker | undefined
  private readonly waiting: Pending[] = []
  private running: (Pending & { id: number; timer: NodeJS.Timeout }) | undefined
  private idleTimer: NodeJS.Timeout | undefined
  private nextId = 1
  private readonly maxWaiting: number
  private readonly timeoutMs: number
  private readonly idleMs: number

  constructor(opts: PackRunnerOptions = {}) {
    this.maxWaiting = opts.maxWaiting ?? 3
    this.timeoutMs = opts.timeoutMs ?? 60_000
    this.idleMs = opts.idleMs ?? 30_000
  }

  build(job: PackJob): Promise<Buffer> {
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new PackBusyError(5))
    return new Promise<Buffer>((resolve, reject) => {
      this.waiting.push({ job, resolve, reject })
      this.pump()
    })
  }

  /** Ends the worker; jobs still waiting fail. */
  async close(): Promise<void> {
    for (const p of this.waiting.splice(0)) p.reject(new PackFailedError('the server is closing'))
    this.finish()?.reject(new PackFailedError('the server is closing'))
    await this.stopWorker()
  }

  private pump(): void {
    if (this.running || this.waiting.length === 0) return
    clearTimeout(this.idleTimer)
    const next = this.waiting.shift()!
    const id = this.nextId++
    const timer = setTimeout(() => {
      this.finish()?.reject(new PackTimeoutError(this.timeoutMs))
      void this.stopWorker()
      this.pump()
    }, this.timeoutMs)
    timer.unref()
    this.running = { ...next, id, timer }
    this.ensureWorker().postMessage({ id, job: next.job } satisfies ToPackWorker)
  }

  /** Takes the running job off (its timer cleared); the caller settles it. */
  private finish(): Pending | undefined {
    const r = this.running
    if (!r) return undefined
    clearTimeout(r.timer)
    this.running = undefined
    return r
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY }, resourceLimits: { maxOldGenerationSizeMb: 768 } })
    worker.on('message', (m: FromPackWorker) => {
      if (m.id !== this.running?.id) return
      const job = this.finish()!
      if ('failed' in m) job.reject(new PackFailedError(m.failed))
      else job.resolve(Buffer.from(m.bytes.buffer, m.bytes.byteOffset, m.bytes.byteLength))
      this.afterJob()
    })
    const lost = (cause: unknown) => {
      if (this.worker !== worker) return
      this.worker = undefined
      this.finish()?.reject(new PackFailedError(`the pack worker stopped: ${(cause as Error)?.message ?? String(cause)}`))
      this.afterJob()
    }
    worker.on('error', lost)
    worker.on('exit', (code) => lost(new Error(`exited with code ${code}`)))
    // A pack worker never keeps the process alive: a server closing ends it with the process.
    worker.unref()
    this.worker = worker
    return worker
  }

  private afterJob(): void {
    this.pump()
    if (this.running || this.waiting.length) return
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => void this.stopWorker(), this.idleMs)
    this.idleTimer.unref()
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker
    this.worker = undefined
    if (w) await w.terminate()
  }
}
