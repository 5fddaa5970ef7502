/**
 * The live stream: on each tick, the events of [cursor, now) — new report arrivals (Poisson at
 * the modelled rate × speed), lifecycle steps falling due, and the visits of the deterministic
 * weekly schedule — are sent through the sink, one call per kind. Sends never overlap; a failed
 * send keeps its rows for the next tick.
 */
import type { LocalCalendar } from './calendar.ts'
import { VISIT_MISS_SHARE, VISIT_WINDOW_SEC } from './model.ts'
import { Lifecycle, arrivalRatePerMs, buildReport, continueLifecycle, roleInHour } from './reports.ts'
import { Rng, hashInts, hashString } from './random.ts'
import { Schedule } from './schedule.ts'
import { keepShare, visitRow, visitTime, weekCtx, type WeekCtx } from './visits.ts'
import { CATEGORIES, type Category, type EventKind, type ReportRow, type VisitRow } from './wire.ts'
import type { SimSink } from './backfill.ts'
import type { World } from './world.ts'

/** A report found open in the store after a restart. */
export interface OpenReport {
  reportId: string
  microGrid: string
  category: string
  reportedAt: number
  verifiedAt: number | null
  dispatchedAt: number | null
  resolvedAt: number | null
}

/** Arrivals are drawn per slice of at most this length, so the hourly rhythm is followed during catch-up. */
const SLICE_MS = 5 * 60_000
/** A gap longer than this (a suspended laptop, a stalled sink) is not replayed; history is the backfill's job. */
const MAX_CATCH_UP_MS = 60 * 60_000
/** Unsent rows kept per kind while the sink fails; beyond it the oldest go, loudly. */
const MAX_PENDING = 500_000

interface DayVisits {
  dayNo: number
  ctx: WeekCtx
  /** Household indices visited that day, ordered by visit time, and the times. */
  hh: Int32Array
  at: Float64Array
}

export interface LiveOptions {
  world: World
  cal: LocalCalendar
  sink: SimSink
  speed: number
  now: () => number
  batchSize: number
  tickMs: number
}

/** The live half of the simulator: a timer, a schedule of waiting lifecycle steps, and unsent rows. */
export class LiveStream {
  readonly schedule = new Schedule()
  private cursor: number | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private inFlight: Promise<void> | undefined
  private pendingReports: ReportRow[] = []
  private pendingVisits: VisitRow[] = []
  private rng: Rng | undefined
  private readonly life = new Lifecycle()
  private readonly visitRng = new Rng(0)
  private dayVisits: DayVisits | undefined
  /** Distinguishes reports of two arrivals in the same millisecond. */
  private arrivalSeq = 0

  constructor(private readonly o: LiveOptions) {}

  /** Generate from this instant on (the end of a backfill); never moves the cursor backwards. */
  continueFrom(ms: number): void {
    if (this.cursor === undefined || ms > this.cursor) this.cursor = ms
  }

  /** Schedules the rest of the lifecycle of reports open in the store, with fresh delays from now. */
  resume(open: readonly OpenReport[]): void {
    const w = this.o.world
    const known = new Set(w.mgCode)
    const now = this.o.now()
    for (const r of open) {
      if (this.schedule.has(r.reportId) || !known.has(r.microGrid)) continue
      const category = (CATEGORIES as readonly string[]).includes(r.category) ? (r.category as Category) : 'other'
      const state = r.resolvedAt !== null ? 'resolved' : r.dispatchedAt !== null ? 'dispatched' : r.verifiedAt !== null ? 'verified' : 'reported'
      const rng = new Rng(hashInts(w.seedHash, hashString(r.reportId), 0x52534d45))
      this.life.clear()
      continueLifecycle(rng, r.reportId, r.microGrid, category, state, now, this.life, false)
      for (let k = 0; k < this.life.at.length; k++) this.schedule.add(this.life.at[k]!, this.life.rows[k]!)
    }
  }

  start(): void {
    if (this.timer) return
    this.cursor ??= this.o.now()
    this.timer = setInterval(() => {
      // A bug in generation must not become an unhandled rejection that takes the server down.
      this.tick().catch((err: unknown) => console.error('[simulator] live tick failed:', err))
    }, this.o.tickMs)
    this.timer.unref?.()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.inFlight
  }

  /**
   * One tick: generate what fell due since the last one and send it. Skipped (the interval is
   * caught up next time) while the previous send is still in flight.
   */
  async tick(): Promise<void> {
    if (this.inFlight) return
    const now = this.o.now()
    this.cursor ??= now
    if (now > this.cursor) {
      const from = Math.max(this.cursor, now - MAX_CATCH_UP_MS)
      this.arrivals(from, now)
      this.schedule.popBefore(now, this.pendingReports)
      this.visits(from, now)
      this.cursor = now
    }
    if (this.pendingReports.length === 0 && this.pendingVisits.length === 0) return
    this.inFlight = this.flush()
    try {
      await this.inFlight
    } finally {
      this.inFlight = undefined
    }
  }

  /** Rows generated but not yet accepted by the sink. */
  get pending(): { reports: number; visits: number } {
    return { reports: this.pendingReports.length, visits: this.pendingVisits.length }
  }

  private liveRng(): Rng {
    // Seeded by the start instant too: two runs of the same seed must not invent the same "new" reports.
    this.rng ??= new Rng(hashInts(this.o.world.seedHash, 0x4c495645, Math.floor(this.o.now() / 1000)))
    return this.rng
  }

  /** New reports arriving in [from, to). */
  private arrivals(from: number, to: number): void {
    const { world: w, cal, speed } = this.o
    if (!w.mgPick || speed <= 0) return
    const rng = this.liveRng()
    for (let a = from; a < to; a += SLICE_MS) {
      const b = Math.min(to, a + SLICE_MS)
      const mid = (a + b) / 2
      const day = cal.dayOf(mid)
      const n = rng.poisson(arrivalRatePerMs(w, day, cal.hourIn(day, mid)) * speed * (b - a))
      for (let i = 0; i < n; i++) {
        const at = Math.floor(a + rng.next() * (b - a))
        const aDay = cal.dayOf(at)
        const role = roleInHour(rng, cal.hourIn(aDay, at))
        const mg = w.mgPick.indexAt(rng.next())
        // 'L' marks a live report: disjoint from the backfill's numbered ids of the same day.
        const id = `R${aDay.key}-${w.tag}-L${at.toString(36)}${(this.arrivalSeq++ % 1296).toString(36).padStart(2, '0')}`
        this.life.clear()
        buildReport(w, rng, mg, role, at, id, this.life)
        for (let k = 0; k < this.life.at.length; k++) {
          const t = this.life.at[k]!
          if (k === 0) this.pendingReports.push(this.life.rows[k]!)
          else this.schedule.add(t, this.life.rows[k]!)
        }
      }
    }
  }

  /** Visits in [from, to): the weekly schedule (thinned below speed 1) plus random extras above it. */
  private visits(from: number, to: number): void {
    const { world: w, cal, speed } = this.o
    if (w.hhCount === 0) return
    const lastDay = cal.dayOf(to - 1).dayNo
    for (let dayNo = cal.dayOf(from).dayNo; dayNo <= lastDay; dayNo++) {
      const dv = this.visitsOfDay(dayNo)
      if (!dv) continue
      // First visit at or after `from`.
      let lo = 0
      let hi = dv.at.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (dv.at[mid]! < from) lo = mid + 1
        else hi = mid
      }
      for (let i = lo; i < dv.at.length && dv.at[i]! < to; i++) {
        const hh = dv.hh[i]!
        if (speed < 1 && keepShare(w, hh, dv.ctx.week) >= speed) continue
        const at = visitTime(w, dv.ctx, hh, this.visitRng)
        this.pendingVisits.push(visitRow(w, dv.ctx, hh, at, this.visitRng))
      }
    }
    if (speed > 1) this.extraVisits(from, to, speed - 1)
  }

  /** The day's scheduled visits; the current day is kept, so this costs one pass over households per day. */
  private visitsOfDay(dayNo: number): DayVisits | undefined {
    if (this.dayVisits?.dayNo === dayNo) return this.dayVisits
    const { world: w, cal } = this.o
    const day = cal.byDayNo(dayNo)
    if (day.weekday > 4) return undefined
    const ctx = weekCtx(cal, day.week)
    const hh: number[] = []
    const at: number[] = []
    for (let h = 0; h < w.hhCount; h++) {
      const t = visitTime(w, ctx, h, this.visitRng)
      if (t >= day.startMs && t < day.endMs) {
        hh.push(h)
        at.push(t)
      }
    }
    const order = [...hh.keys()].sort((a, b) => at[a]! - at[b]!)
    this.dayVisits = { dayNo, ctx, hh: Int32Array.from(order, (i) => hh[i]!), at: Float64Array.from(order, (i) => at[i]!) }
    return this.dayVisits
  }

  /** Extra visits so the visit rate scales with speed; only in the weekday visiting window. */
  private extraVisits(from: number, to: number, factor: number): void {
    const { world: w, cal } = this.o
    const rng = this.liveRng()
    // Scheduled visits per ms inside the window: every household about once a week, five days of it.
    const windowMs = (VISIT_WINDOW_SEC.to - VISIT_WINDOW_SEC.from) * 1000
    const ratePerMs = (w.hhCount * (1 - VISIT_MISS_SHARE)) / (5 * windowMs)
    for (let a = from; a < to; a += SLICE_MS) {
      const b = Math.min(to, a + SLICE_MS)
      const n = rng.poisson(ratePerMs * factor * (b - a))
      for (let i = 0; i < n; i++) {
        const at = Math.floor(a + rng.next() * (b - a))
        const day = cal.dayOf(at)
        const sec = (at - day.startMs) / 1000
        if (day.weekday > 4 || sec < VISIT_WINDOW_SEC.from || sec >= VISIT_WINDOW_SEC.to) continue
        const hh = Math.floor(rng.next() * w.hhCount)
        const suffix = `-x${at.toString(36)}${(this.arrivalSeq++ % 1296).toString(36).padStart(2, '0')}`
        this.pendingVisits.push(visitRow(w, weekCtx(cal, day.week), hh, at, rng, suffix))
      }
    }
  }

  private async flush(): Promise<void> {
    this.pendingReports = await this.sendAll('reports', this.pendingReports)
    this.pendingVisits = await this.sendAll('visits', this.pendingVisits)
  }

  /** Sends rows in chunks; returns what is left after a failure (to retry next tick). */
  private async sendAll<T extends object>(kind: EventKind, rows: T[]): Promise<T[]> {
    let sent = 0
    while (sent < rows.length) {
      // A fresh array per call: the sink may keep it, and `rows` keeps growing on later ticks.
      const chunk = rows.slice(sent, sent + this.o.batchSize)
      try {
        await this.o.sink.send(kind, chunk)
      } catch (err) {
        const left = rows.slice(sent)
        console.error(`[simulator] sending ${chunk.length} ${kind} failed (${err instanceof Error ? err.message : String(err)}); ${left.length} kept for the next tick`)
        if (left.length > MAX_PENDING) {
          console.error(`[simulator] dropping the ${left.length - MAX_PENDING} oldest unsent ${kind}: the sink has been failing too long`)
          return left.slice(left.length - MAX_PENDING)
        }
        return left
      }
      sent += chunk.length
    }
    return []
  }
}
