/**
 * Event ids looked up a few times per event (resends within a request, across requests, while a
 * batch is being made durable), in typed arrays: open addressing on the id's hash, the string
 * kept beside it to confirm a match, so a lookup is exact. Several times cheaper than a
 * Map<string, …> for ids fresh from a worker thread, whose string hash V8 has not cached yet
 * (BENCHMARKS.md, "The ingest hot path"). No deletes: tables are dropped whole (dedupe.ts
 * rotates two generations; a request's index lives as long as the request).
 */
import { randomInt } from 'node:crypto'
import { workerData } from 'node:worker_threads'
import { fnv1a } from './rows.ts'

/**
 * The seed of idHash, secret to this process. Senders choose the ids: with a hash anyone can
 * compute, one code unit at the end of an id puts it in any slot, and thousands of ids in one
 * run of slots make each lookup walk them all (seconds a request, and the resend memory lives on
 * the main thread). The ingest's worker threads take the main thread's (workers/pool.ts passes
 * it as workerData.idSeed): hashes made in a worker are looked up on the main thread.
 */
export const ID_SEED: number = seedFrom(workerData) ?? randomInt(2 ** 32 - 1)

function seedFrom(data: unknown): number | undefined {
  const seed = (data as { idSeed?: unknown } | null)?.idSeed
  return typeof seed === 'number' ? seed : undefined
}

/**
 * The table key of an id, never 0 (0 marks an empty slot): FNV-1a from the secret seed, then
 * MurmurHash3's finaliser, so the low bits a table indexes by depend on every bit of the state
 * (FNV's low bits depend only on the low bits of what came before).
 */
export function idHash(id: string): number {
  return idHashWith(ID_SEED, id)
}

/** idHash from another seed (tests: the slots an id gets depend on the seed). */
export function idHashWith(seed: number, id: string): number {
  let h = fnv1a(id, seed)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0 || 1
}

const slotsFor = (capacity: number) => 2 ** Math.max(4, Math.ceil(Math.log2(capacity * 2)))

/**
 * Ids → a uint32 each, up to `capacity` ids, never over half full. Its slots grow as ids come, or
 * are all made at once when `presized` (a table that will surely fill: growing costs rehashes).
 */
export class IdTable {
  private keys: Int32Array
  private values: Uint32Array
  private ids: Array<string | undefined>
  private mask: number
  size = 0

  constructor(
    readonly capacity: number,
    presized = false,
  ) {
    const n = slotsFor(presized ? capacity : Math.min(capacity, 1024))
    this.keys = new Int32Array(n)
    this.values = new Uint32Array(n)
    this.ids = new Array<string | undefined>(n)
    this.mask = n - 1
  }

  private slot(id: string, h: number): number {
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const k = this.keys[i]!
      if (k === 0 || (k === h && this.ids[i] === id)) return i
    }
  }

  get(id: string, h = idHash(id)): number | undefined {
    const i = this.slot(id, h)
    return this.keys[i] === 0 ? undefined : this.values[i]
  }

  /** Sets an id's value; false when the table already holds `capacity` ids and this one is new. */
  set(id: string, value: number, h = idHash(id)): boolean {
    let i = this.slot(id, h)
    if (this.keys[i] === 0) {
      if (this.size >= this.capacity) return false
      if ((this.size + 1) * 2 > this.keys.length) {
        this.grow()
        i = this.slot(id, h)
      }
      this.keys[i] = h
      this.ids[i] = id
      this.size++
    }
    this.values[i] = value
    return true
  }

  private grow(): void {
    const { keys, values, ids } = this
    const n = keys.length * 2
    this.keys = new Int32Array(n)
    this.values = new Uint32Array(n)
    this.ids = new Array<string | undefined>(n)
    this.mask = n - 1
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === 0) continue
      const i = this.slot(ids[j]!, keys[j]!)
      this.keys[i] = keys[j]!
      this.values[i] = values[j]!
      this.ids[i] = ids[j]
    }
  }
}

/**
 * The rows of one request by id: the first row of each id, as the worker met them. Its arrays are
 * plain typed arrays, so the worker hands them to the main thread with the rows (transferred, not
 * copied), where a concurrent resend is looked up in the requests still being made durable.
 */
export interface RowIndex {
  /** Per slot: the id's hash, 0 when empty. */
  keys: Int32Array
  /** Per slot: the row (in the batch's `ids` order). */
  rows: Int32Array
}

export function newRowIndex(rows: number): RowIndex {
  const n = slotsFor(rows)
  return { keys: new Int32Array(n), rows: new Int32Array(n) }
}

/** The row holding `id` in the batch whose ids are `ids`, or -1. */
export function findRow(index: RowIndex, ids: readonly string[], id: string, h: number): number {
  const mask = index.keys.length - 1
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const k = index.keys[i]!
    if (k === 0) return -1
    if (k === h && ids[index.rows[i]!] === id) return index.rows[i]!
  }
}

/** Records row `row` (whose id is `id`, with hash `h`) unless the id is there already; returns the row that holds it. */
export function addRow(index: RowIndex, ids: readonly string[], id: string, h: number, row: number): number {
  const mask = index.keys.length - 1
  for (let i = h & mask; ; i = (i + 1) & mask) {
    const k = index.keys[i]!
    if (k === 0) {
      index.keys[i] = h
      index.rows[i] = row
      return row
    }
    if (k === h && ids[index.rows[i]!] === id) return index.rows[i]!
  }
}
