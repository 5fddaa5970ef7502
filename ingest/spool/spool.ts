/**
 * The ingest spool: a write-ahead log on local disk between acknowledging events and storing
 * them (DESIGN §7: a 2xx means durable). Appends are group-committed: everything queued while
 * one write + fdatasync runs goes into the next frame, so one fsync acknowledges many requests.
 * The flusher reads frames in order, stores them, and commits; committed segments are deleted.
 *
 * Exactly-once into the store: before a batch is inserted its frame range is written to the
 * checkpoint as an intent (fsynced). The insert carries a deduplication token made of that
 * range, so after a crash the same range is inserted again with the same token and the engine
 * drops it if it had already landed.
 *
 * Files in `dir`: `NNNNNNNNNN.wal` segments, `checkpoint.json` ({next, intent}).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { checkFrame, decodeHeader, encodeHeader, HEADER_BYTES } from './frame.ts'

export interface SpoolOptions {
  dir: string
  /** Bytes that may wait for the store; past it `append` fails with SpoolFullError. */
  maxBytes: number
  /** Start a new segment file once the current one is this big. */
  segmentBytes?: number
  now?: () => number
  /** Called for problems found on open (torn tails, corrupt segments). */
  warn?: (msg: string, fields: Record<string, unknown>) => void
}

/** The spool is at its bound: answer 503 with Retry-After; nothing was written. */
export class SpoolFullError extends Error {
  constructor(readonly pendingBytes: number) {
    super(`the ingest spool is full (${pendingBytes} bytes wait for the store)`)
    this.name = 'SpoolFullError'
  }
}

/** The spool's disk failed: nothing from the request was acknowledged. */
export class SpoolWriteError extends Error {
  constructor(cause: unknown) {
    const e = cause as NodeJS.ErrnoException
    super(`the ingest spool could not write to disk: ${e?.code ?? ''} ${e?.message ?? String(cause)}`.trim())
    this.name = 'SpoolWriteError'
    this.cause = cause
  }
}

interface PendingFrame {
  seq: number
  rows: number
  /** Payload bytes (without the header). */
  length: number
  appendedAt: number
  segment: number
  /** Offset of the frame's header in its segment. */
  offset: number
}

/** Frames the flusher stores together, with the token that makes their insert idempotent. */
export interface SpoolBatch {
  first: number
  last: number
  rows: number
  bytes: number
  /** Payloads of the frames in order, each a run of complete rows. */
  payloads: Buffer[]
  /** Oldest append time in the batch (ms), for the flush-lag metric. */
  appendedAt: number
}

interface Checkpoint {
  /** This spool's own id, made when it was created: part of every deduplication token. */
  id: string
  next: number
  intent: { first: number; last: number } | null
}

interface QueuedAppend {
  payload: Buffer
  rows: number
  resolve: () => void
  reject: (e: unknown) => void
}

const SEGMENT_RE = /^(\d{10})\.wal$/
const SPOOL_ID = /^[0-9a-f]{12}$/
const segmentName = (n: number) => `${String(n).padStart(10, '0')}.wal`

export class Spool {
  private readonly dir: string
  private readonly segmentBytes: number
  private readonly now: () => number
  private fd: fsp.FileHandle | undefined
  private writeSegment = 0
  /** The oldest segment file that may still be on disk. */
  private oldestSegment = 0
  private writeOffset = 0
  private nextSeq = 1
  private readonly frames: PendingFrame[] = []
  /** Index of the oldest uncommitted frame in `frames` (dropped from the front in chunks). */
  private head = 0
  private queue: QueuedAppend[] = []
  private pumping = false
  private broken: SpoolWriteError | undefined
  private intent: { first: number; last: number } | null = null
  /**
   * Random, made once and kept in the checkpoint. Frame numbers start at 1 in every spool, so
   * two spools on one store (a server's and an ingest service's, a recreated volume) would
   * otherwise make the same tokens, and the engine would drop one spool's batch as the other's.
   */
  id = ''
  private waiters: Array<() => void> = []
  private readonly readers = new Map<number, fsp.FileHandle>()
  /** Bytes and rows appended (or queued) and not yet committed to the store. */
  pendingBytes = 0
  pendingRows = 0
  readonly stats = { framesWritten: 0, fsyncs: 0, writeErrors: 0 }

  private constructor(private readonly opts: SpoolOptions) {
    this.dir = opts.dir
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024
    this.now = opts.now ?? Date.now
  }

  /** Opens (or creates) the spool in `opts.dir` and finds every frame still waiting for the store. */
  static async open(opts: SpoolOptions): Promise<Spool> {
    const s = new Spool(opts)
    await s.recover()
    return s
  }

  /**
   * Appends rows (a payload of whole lines) and resolves once they are on disk (fdatasync).
   * Rejects with SpoolFullError at the bound and SpoolWriteError when the disk fails.
   */
  append(payload: Buffer, rows: number): Promise<void> {
    if (this.broken) return Promise.reject(this.broken)
    const bytes = payload.length + HEADER_BYTES
    if (this.pendingBytes > 0 && this.pendingBytes + bytes > this.opts.maxBytes) return Promise.reject(new SpoolFullError(this.pendingBytes))
    this.pendingBytes += bytes
    this.pendingRows += rows
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ payload, rows, resolve, reject })
      if (!this.pumping) {
        this.pumping = true
        void this.pump()
      }
    })
  }

  /** Why appends are refused until a restart (a failed fsync), or undefined while healthy. */
  get failure(): string | undefined {
    return this.broken?.message
  }

  /** Frames waiting for the store. */
  get pendingFrames(): number {
    return this.frames.length - this.head
  }

  /** Age of the oldest frame not yet stored, ms (0 when none waits). */
  oldestAgeMs(): number {
    const f = this.frames[this.head]
    return f ? Math.max(0, this.now() - f.appendedAt) : 0
  }

  /** Resolves when at least one durable frame waits for the store. */
  waitForFrames(): Promise<void> {
    if (this.pendingFrames > 0) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  /** Wakes a `waitForFrames` caller without frames (used to stop the flusher). */
  wake(): void {
    const w = this.waiters
    this.waiters = []
    w.forEach((f) => f())
  }

  /**
   * The next frames to store: after a crash, exactly the range of the unfinished insert (so its
   * token matches); otherwise the oldest frames up to `maxRows` (at least one frame).
   */
  async next(maxRows: number): Promise<SpoolBatch | undefined> {
    const picked: PendingFrame[] = []
    let rows = 0
    for (let i = this.head; i < this.frames.length; i++) {
      const f = this.frames[i]!
      if (this.intent) {
        if (f.seq > this.intent.last) break
      } else if (picked.length > 0 && rows + f.rows > maxRows) break
      picked.push(f)
      rows += f.rows
    }
    if (picked.length === 0) return undefined
    const payloads: Buffer[] = []
    let bytes = 0
    for (const f of picked) {
      payloads.push(await this.readPayload(f))
      bytes += f.length
    }
    return { first: picked[0]!.seq, last: picked[picked.length - 1]!.seq, rows, bytes, payloads, appendedAt: picked[0]!.appendedAt }
  }

  /** Every payload waiting for the store, oldest first, one frame at a time. */
  async *pendingPayloads(): AsyncGenerator<Buffer> {
    for (let i = this.head; i < this.frames.length; i++) yield await this.readPayload(this.frames[i]!)
  }

  private async readPayload(f: PendingFrame): Promise<Buffer> {
    const fh = await this.reader(f.segment)
    const buf = Buffer.allocUnsafe(HEADER_BYTES + f.length)
    const { bytesRead } = await fh.read(buf, 0, buf.length, f.offset)
    const header = buf.subarray(0, HEADER_BYTES)
    const payload = buf.subarray(HEADER_BYTES)
    if (bytesRead !== buf.length || decodeHeader(header)?.seq !== f.seq || !checkFrame(header, payload)) {
      throw new Error(`spool frame ${f.seq} in ${segmentName(f.segment)} at ${f.offset} does not read back as written`)
    }
    return payload
  }

  /** Records, durably, that `batch` is about to be inserted (its range decides the token). */
  async begin(batch: SpoolBatch): Promise<void> {
    this.intent = { first: batch.first, last: batch.last }
    await this.writeCheckpoint({ id: this.id, next: batch.first, intent: this.intent })
  }

  /** `batch` is in the store: forget it and delete the segments nothing needs any more. */
  async commit(batch: SpoolBatch): Promise<void> {
    while (this.head < this.frames.length && this.frames[this.head]!.seq <= batch.last) {
      const f = this.frames[this.head++]!
      this.pendingBytes -= f.length + HEADER_BYTES
      this.pendingRows -= f.rows
    }
    if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames.splice(0, this.head)
      this.head = 0
    }
    this.intent = null
    await this.writeCheckpoint({ id: this.id, next: batch.last + 1, intent: null })
    const keepFrom = this.frames[this.head]?.segment ?? this.writeSegment
    for (const [n, fh] of this.readers) {
      if (n < keepFrom) {
        await fh.close()
        this.readers.delete(n)
      }
    }
    // Segments are numbered in order, so the ones to delete are a run from the oldest kept.
    for (; this.oldestSegment < keepFrom; this.oldestSegment++) await fsp.rm(path.join(this.dir, segmentName(this.oldestSegment)), { force: true })
  }

  /** Waits for queued appends, then closes the files. */
  async close(): Promise<void> {
    while (this.pumping) await new Promise((r) => setTimeout(r, 5))
    this.wake()
    await this.fd?.close()
    this.fd = undefined
    for (const fh of this.readers.values()) await fh.close()
    this.readers.clear()
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue
      this.queue = []
      const payloads = batch.map((b) => b.payload)
      const rows = batch.reduce((n, b) => n + b.rows, 0)
      const length = payloads.reduce((n, p) => n + p.length, 0)
      const appendedAt = this.now()
      const seq = this.nextSeq
      const header = encodeHeader({ seq, rows, length, appendedAt }, payloads)
      try {
        if (this.broken) throw this.broken
        if (!this.fd || this.writeOffset >= this.segmentBytes) await this.roll()
        await writeAll(this.fd!, [header, ...payloads], this.writeOffset)
        await this.fd!.datasync()
        this.stats.fsyncs++
      } catch (e) {
        this.stats.writeErrors++
        const err = e instanceof SpoolWriteError ? e : new SpoolWriteError(e)
        // A failed fsync may have dropped dirty pages (Linux): nothing written since is
        // trustworthy, so refuse further appends until a restart re-reads the log.
        if ((e as NodeJS.ErrnoException)?.syscall === 'fdatasync' || !(await this.truncateTo(this.writeOffset))) this.broken = err
        for (const b of batch) {
          this.pendingBytes -= b.payload.length + HEADER_BYTES
          this.pendingRows -= b.rows
          b.reject(err)
        }
        continue
      }
      this.nextSeq++
      // Each append reserved a header; the batch shares one.
      this.pendingBytes -= (batch.length - 1) * HEADER_BYTES
      this.frames.push({ seq, rows, length, appendedAt, segment: this.writeSegment, offset: this.writeOffset })
      this.writeOffset += HEADER_BYTES + length
      this.stats.framesWritten++
      for (const b of batch) b.resolve()
      this.wake()
    }
    this.pumping = false
  }

  private async truncateTo(offset: number): Promise<boolean> {
    try {
      await this.fd?.truncate(offset)
      return true
    } catch {
      return false
    }
  }

  private async roll(): Promise<void> {
    await this.fd?.close()
    this.fd = undefined
    this.writeSegment++
    this.writeOffset = 0
    this.fd = await fsp.open(path.join(this.dir, segmentName(this.writeSegment)), 'wx')
    await syncDir(this.dir)
  }

  private async reader(segment: number): Promise<fsp.FileHandle> {
    let fh = this.readers.get(segment)
    if (!fh) {
      fh = await fsp.open(path.join(this.dir, segmentName(segment)), 'r')
      this.readers.set(segment, fh)
    }
    return fh
  }

  private async segments(): Promise<number[]> {
    const names = await fsp.readdir(this.dir)
    return names.flatMap((n) => {
      const m = SEGMENT_RE.exec(n)
      return m ? [Number(m[1])] : []
    }).sort((a, b) => a - b)
  }

  /** Written whole and fsynced before the rename, so a crash leaves the old one or the new one. */
  private async writeCheckpoint(c: Checkpoint): Promise<void> {
    const file = path.join(this.dir, 'checkpoint.json')
    const tmp = `${file}.tmp`
    const fh = await fsp.open(tmp, 'w')
    try {
      await fh.writeFile(JSON.stringify(c))
      await fh.datasync()
    } finally {
      await fh.close()
    }
    await fsp.rename(tmp, file)
    await syncDir(this.dir)
  }

  private async readCheckpoint(): Promise<Checkpoint> {
    try {
      const c = JSON.parse(await fsp.readFile(path.join(this.dir, 'checkpoint.json'), 'utf8')) as Partial<Checkpoint>
      if (Number.isSafeInteger(c.next) && c.next! >= 1) return { id: typeof c.id === 'string' && SPOOL_ID.test(c.id) ? c.id : '', next: c.next!, intent: c.intent ?? null }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`the spool checkpoint in ${this.dir} is unreadable: ${(e as Error).message}`)
    }
    return { id: '', next: 1, intent: null }
  }

  /**
   * Reads every segment, keeps the frames the checkpoint has not passed, and cuts a torn tail
   * (a frame whose write the crash interrupted: it was never acknowledged).
   */
  private async recover(): Promise<void> {
    await fsp.mkdir(this.dir, { recursive: true })
    const cp = await this.readCheckpoint()
    this.id = cp.id
    if (this.id === '') {
      this.id = crypto.randomBytes(6).toString('hex')
      await this.writeCheckpoint({ ...cp, id: this.id })
    }
    const segments = await this.segments()
    let expectSeq: number | undefined
    let maxSeq = 0
    for (const [i, n] of segments.entries()) {
      const file = path.join(this.dir, segmentName(n))
      const data = await fsp.readFile(file)
      let off = 0
      while (off < data.length) {
        const header = data.subarray(off, off + HEADER_BYTES)
        const h = decodeHeader(header)
        const end = off + HEADER_BYTES + (h?.length ?? 0)
        const ok = h !== undefined && end <= data.length && checkFrame(header, data.subarray(off + HEADER_BYTES, end)) && (expectSeq === undefined || h.seq === expectSeq)
        if (!ok) {
          const warn = this.opts.warn ?? (() => undefined)
          if (i === segments.length - 1) {
            // A write the crash interrupted: its fsync never returned, so it was never acknowledged.
            warn('spool: cut a torn tail left by a crash', { file, offset: off, bytes: data.length - off })
          } else {
            // Inside the log, this is damage, not a crash: keep the bytes aside for whoever investigates.
            fs.writeFileSync(`${file}.damaged-at-${off}`, data.subarray(off))
            warn('spool: a segment is damaged; its unreadable bytes were kept aside and the rest replayed', { file, offset: off, bytes: data.length - off })
          }
          await fsp.truncate(file, off)
          // The next segment starts a fresh run: frames lost in the damage leave a gap in seq.
          expectSeq = undefined
          break
        }
        expectSeq = h.seq + 1
        maxSeq = Math.max(maxSeq, h.seq)
        if (h.seq >= cp.next) {
          this.frames.push({ seq: h.seq, rows: h.rows, length: h.length, appendedAt: h.appendedAt, segment: n, offset: off })
          this.pendingBytes += h.length + HEADER_BYTES
          this.pendingRows += h.rows
        }
        off = end
      }
    }
    this.nextSeq = Math.max(cp.next, maxSeq + 1)
    this.writeSegment = segments[segments.length - 1] ?? 0
    // The next append opens a new segment: an old file is never appended to after a restart.
    this.writeOffset = this.segmentBytes
    this.intent = cp.intent && this.frames[0]?.seq === cp.intent.first ? cp.intent : null
    this.oldestSegment = Math.min(this.frames[0]?.segment ?? this.writeSegment, this.writeSegment)
    for (const n of segments) if (n < this.oldestSegment) await fsp.rm(path.join(this.dir, segmentName(n)), { force: true })
  }
}

async function writeAll(fh: fsp.FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let total = buffers.reduce((n, b) => n + b.length, 0)
  let bufs = buffers
  let pos = position
  while (total > 0) {
    const { bytesWritten } = await fh.writev(bufs, pos)
    if (bytesWritten === 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' })
    total -= bytesWritten
    pos += bytesWritten
    if (total === 0) break
    // A short write: continue from where it stopped.
    let skip = bytesWritten
    const rest: Buffer[] = []
    for (const b of bufs) {
      if (skip >= b.length) skip -= b.length
      else {
        rest.push(skip > 0 ? b.subarray(skip) : b)
        skip = 0
      }
    }
    bufs = rest
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await fsp.open(dir, 'r')
  try {
    await fh.sync()
  } finally {
    await fh.close()
  }
}
