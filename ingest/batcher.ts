/**
 * Group commit: rows from many requests are written in one insert, and each caller's promise
 * settles only when the insert holding its rows has finished — so an acknowledgement always
 * means "in the store". One insert runs at a time (a chdb connection runs one query at a time);
 * rows that arrive meanwhile wait for the next one.
 */
export interface BatcherOptions {
  /** Flush when this many rows wait. */
  flushRows: number
  /** Flush when the oldest waiting row is this old, ms. */
  flushMs: number
}

interface Waiter {
  resolve: () => void
  reject: (e: unknown) => void
}

export class Batcher<Row> {
  private pending: Row[] = []
  private waiters: Waiter[] = []
  private timer: NodeJS.Timeout | undefined
  private inFlight: Promise<void> | undefined

  constructor(
    private readonly write: (rows: Row[]) => Promise<void>,
    private readonly opts: BatcherOptions,
  ) {}

  /** Resolves once `rows` are written; rejects if the write that held them failed. */
  add(rows: Row[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve()
    for (const r of rows) this.pending.push(r)
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }))
    if (this.pending.length >= this.opts.flushRows) this.kick()
    else if (!this.timer) this.timer = setTimeout(() => this.kick(), this.opts.flushMs)
    return done
  }

  /** Rows accepted but not yet written. */
  get depth(): number {
    return this.pending.length
  }

  /** Writes everything pending and waits for it. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.inFlight) {
      if (this.inFlight) await this.inFlight.catch(() => undefined)
      else this.kick()
    }
  }

  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    if (this.inFlight || this.pending.length === 0) return
    const rows = this.pending
    const waiters = this.waiters
    this.pending = []
    this.waiters = []
    this.inFlight = this.write(rows).then(
      () => waiters.forEach((w) => w.resolve()),
      (e) => waiters.forEach((w) => w.reject(e)),
    )
    void this.inFlight.finally(() => {
      this.inFlight = undefined
      if (this.pending.length >= this.opts.flushRows) this.kick()
      else if (this.pending.length > 0 && !this.timer) this.timer = setTimeout(() => this.kick(), this.opts.flushMs)
    })
  }
}
