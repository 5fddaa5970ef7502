/**
 * Group commit: rows from many requests are written in one insert, and each caller's promise
 * settles only when the insert holding its rows has finished — so an acknowledgement always
 * means "in the store". One insert runs at a time (a chdb connection runs one query at a time);
 * rows that arrive meanwhile wait for the next one. When a joint insert fails, each caller's
 * rows are tried again on their own, so one caller's bad rows never fail another's request.
 */
export interface BatcherOptions {
  /** Flush when this many rows wait. */
  flushRows: number
  /** Flush when the oldest waiting row is this old, ms. */
  flushMs: number
  /** Refuse new rows while this many wait (memory stays bounded when the store is slow). */
  maxPendingRows?: number
}

/** The queue is full: the caller should answer "try again shortly" (503 + Retry-After). */
export class BatcherFullError extends Error {
  constructor(readonly pendingRows: number) {
    super(`${pendingRows} rows are already waiting for the store`)
    this.name = 'BatcherFullError'
  }
}

interface Waiter<Row> {
  rows: Row[]
  resolve: () => void
  reject: (e: unknown) => void
}

export class Batcher<Row> {
  private waiters: Waiter<Row>[] = []
  private pendingRows = 0
  /** Rows of the insert under way. */
  private writingRows = 0
  private timer: NodeJS.Timeout | undefined
  private inFlight: Promise<void> | undefined

  constructor(
    private readonly write: (rows: Row[]) => Promise<void>,
    private readonly opts: BatcherOptions,
  ) {}

  /**
   * Resolves once `rows` are written; rejects if the write that held them failed, or at once
   * with BatcherFullError when `maxPendingRows` are already waiting.
   */
  add(rows: Row[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    const max = this.opts.maxPendingRows
    if (max !== undefined && this.pendingRows + this.writingRows > 0 && this.pendingRows + this.writingRows + rows.length > max) {
      return Promise.reject(new BatcherFullError(this.pendingRows + this.writingRows))
    }
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ rows, resolve, reject }))
    this.pendingRows += rows.length
    if (this.pendingRows >= this.opts.flushRows) this.kick()
    else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.opts.flushMs)
    return done
  }

  /** Writes everything pending and waits for it. */
  async drain(): Promise<void> {
    while (this.waiters.length > 0 || this.inFlight) {
      if (this.inFlight) await this.inFlight
      else this.kick()
    }
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.inFlight || this.waiters.length === 0) return
    const waiters = this.waiters
    this.waiters = []
    this.writingRows = this.pendingRows
    this.pendingRows = 0
    this.inFlight = this.writeAll(waiters).finally(() => {
      this.inFlight = undefined
      this.writingRows = 0
      if (this.pendingRows >= this.opts.flushRows) this.kick()
      else if (this.waiters.length > 0 && !this.timer) this.timer = setTimeout(() => this.kick(), this.opts.flushMs)
    })
  }

  /** Never rejects: every waiter is settled with its own outcome. */
  private async writeAll(waiters: Waiter<Row>[]): Promise<void> {
    const rows = waiters.length === 1 ? waiters[0]!.rows : waiters.flatMap((w) => w.rows)
    try {
      await this.write(rows)
      for (const w of waiters) w.resolve()
      return
    } catch (e) {
      if (waiters.length === 1) {
        waiters[0]!.reject(e)
        return
      }
    }
    for (const w of waiters) {
      try {
        await this.write(w.rows)
        w.resolve()
      } catch (e) {
        w.reject(e)
      }
    }
  }
}
