/**
 * A small pool of worker threads that turn request bodies into stored lines (`processBody`),
 * so parsing and validating megabytes of events never stalls the event loop that serves the
 * wall's sockets. `size: 0` runs the same function inline (small deployments, CLIs).
 */
import { Worker } from 'node:worker_threads'
import type { Place } from '../../server/contracts/registry.ts'
import type { Logger } from '../../server/log.ts'
import { ID_SEED } from '../id-table.ts'
import { processBody, type ProcessInput, type ProcessResult } from '../process.ts'
import { Registry } from '../registry/registry.ts'

export type ToWorker = { type: 'registry'; places: readonly Place[] } | { type: 'process'; id: number; input: ProcessInput }
type FromWorker = { id: number; result: ProcessResult } | { id: number; failed: string }

interface Job {
  resolve: (r: ProcessResult) => void
  reject: (e: unknown) => void
}

interface Slot {
  worker: Worker
  jobs: Map<number, Job>
}

const BOOT = new URL('./boot.mjs', import.meta.url)
const ENTRY = new URL('./worker.ts', import.meta.url).href

/** The worker running a request failed (crashed or ran out of memory); the request was not processed. */
export class WorkerFailedError extends Error {
  constructor(cause: unknown) {
    super(`the ingest worker failed: ${(cause as Error)?.message ?? String(cause)}`)
    this.name = 'WorkerFailedError'
  }
}

export class IngestWorkers {
  private readonly slots: Slot[] = []
  private places: readonly Place[]
  private registry: Registry
  private nextId = 1
  private closed = false

  constructor(
    private readonly opts: { size: number; places: readonly Place[]; log: Logger },
  ) {
    this.places = opts.places
    this.registry = new Registry(opts.places)
    for (let i = 0; i < opts.size; i++) this.slots.push(this.spawn())
  }

  /** Processes one body; inline when the pool has no threads. The body is the worker's afterwards (see below). */
  run(input: ProcessInput): Promise<ProcessResult> {
    if (this.slots.length === 0) return Promise.resolve(processBody(input, this.registry))
    const slot = this.slots.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a))
    const id = this.nextId++
    // A body on its own ArrayBuffer (any large one) is handed to the worker, not copied; the
    // caller must not read it afterwards. A small one may share Node's pool: copied.
    const b = input.body
    const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer
    return new Promise<ProcessResult>((resolve, reject) => {
      slot.jobs.set(id, { resolve, reject })
      slot.worker.postMessage({ type: 'process', id, input } satisfies ToWorker, own ? [b.buffer as ArrayBuffer] : [])
    })
  }

  /** Requests waiting behind the one each worker is processing: more than none means ingest is saturated. */
  backlog(): number {
    let n = 0
    for (const s of this.slots) n += Math.max(0, s.jobs.size - 1)
    return n
  }

  /** A new registry for every worker (after an import); requests under way finish with the old one. */
  setRegistry(places: readonly Place[]): void {
    this.places = places
    this.registry = new Registry(places)
    for (const s of this.slots) s.worker.postMessage({ type: 'registry', places } satisfies ToWorker)
  }

  async close(): Promise<void> {
    this.closed = true
    await Promise.all(this.slots.map((s) => s.worker.terminate()))
  }

  private spawn(): Slot {
    const worker = new Worker(BOOT, { workerData: { entry: ENTRY, idSeed: ID_SEED }, resourceLimits: { maxOldGenerationSizeMb: 1024 } })
    const slot: Slot = { worker, jobs: new Map() }
    worker.postMessage({ type: 'registry', places: this.places } satisfies ToWorker)
    worker.on('message', (m: FromWorker) => {
      const job = slot.jobs.get(m.id)
      slot.jobs.delete(m.id)
      if ('failed' in m) {
        this.opts.log.error('ingest worker threw on a request', { error: m.failed })
        job?.reject(new WorkerFailedError(new Error(m.failed.split('\n')[0])))
        return
      }
      if (m.result.ok) {
        const l = m.result.batch.lines as Uint8Array
        m.result.batch.lines = Buffer.from(l.buffer, l.byteOffset, l.byteLength)
      }
      job?.resolve(m.result)
    })
    // A worker that dies fails its own requests only; a fresh one takes its place.
    const replace = (cause: unknown) => {
      for (const job of slot.jobs.values()) job.reject(new WorkerFailedError(cause))
      slot.jobs.clear()
      const i = this.slots.indexOf(slot)
      if (i >= 0 && !this.closed) {
        this.opts.log.error('ingest worker failed; starting another', { error: String(cause) })
        this.slots[i] = this.spawn()
      }
    }
    worker.on('error', replace)
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) replace(new Error(`exited with code ${code}`))
    })
    worker.unref()
    return slot
  }
}
