/**
 * The demo/replay simulator: a plausible history (backfill) and a live stream of grid reports
 * and visits for a registry, in the wire format of DESIGN §3, handed to a sink (the real ingest
 * path). It never touches the store.
 *
 * Deterministic by seed: the reports of a local day and the visit of a household in a week are
 * functions of (seed, registry, day/week), so a replayed backfill yields the same event ids and
 * downstream dedupe keeps it exactly-once. Only live arrivals are fresh randomness.
 */
import type { Place } from '../../server/contracts/registry.ts'
import { runBackfill, type BackfillCounts, type SimSink } from './backfill.ts'
import { LocalCalendar } from './calendar.ts'
import { LiveStream, type OpenReport } from './live.ts'
import { buildWorld } from './world.ts'

export type { EventKind, ReportRow, VisitRow, Category } from './wire.ts'
export type { SimSink, BackfillCounts } from './backfill.ts'
export type { OpenReport } from './live.ts'
export { DEFAULT_SLA } from './model.ts'

export interface SimulatorOptions {
  /** The registry; only micro_grid-level places generate events. */
  places: Place[]
  /** Time zone of the calendar rhythms (daily, weekly, seasonal are local time), e.g. 'Asia/Shanghai'. */
  tz: string
  seed: number
  /** Multiplies the live arrival rate of new reports and visits (not the lifecycle delays). */
  speed: number
  sink: SimSink
  /** ms clock, injectable for tests. */
  now?: () => number
  /** Rows per send during backfill, and the most per send live (default 5000). */
  batchSize?: number
  /** Live tick period, ms (default 1000). */
  tickMs?: number
}

export interface Simulator {
  /**
   * Generates all events with `at` in [fromMs, toMs) and sends them in batches, week by week
   * (the week's reports, each report's steps in time order, then its visits). Steps at or after `toMs` of reports
   * created in the range are kept scheduled for the live stream, which continues from `toMs`.
   * Reports created before `fromMs` are not generated. Rejects on a sink error.
   */
  backfill(fromMs: number, toMs: number): Promise<BackfillCounts>
  /** Schedules the remaining lifecycle of reports found open in the store after a restart (fresh delays from now). */
  resume(open: OpenReport[]): void
  /** Starts the live stream: every tick, sends new reports, due lifecycle steps and due visits. */
  start(): void
  /** Stops the timer and waits for an in-flight send. */
  stop(): Promise<void>
  /** Runs one live tick now (what the timer does); for tests and callers that drive their own clock. */
  tick(): Promise<void>
  /** Rows generated live but not yet accepted by the sink, and lifecycle steps waiting for their time. */
  stats(): { pendingReports: number; pendingVisits: number; scheduled: number }
}

/** Creates a simulator over a registry; nothing runs until `backfill` or `start`. */
export function createSimulator(opts: SimulatorOptions): Simulator {
  const world = buildWorld(opts.places, opts.seed)
  const cal = new LocalCalendar(opts.tz)
  const now = opts.now ?? Date.now
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 5000))
  const live = new LiveStream({ world, cal, sink: opts.sink, speed: opts.speed, now, batchSize, tickMs: opts.tickMs ?? 1000 })

  return {
    async backfill(fromMs, toMs) {
      const counts = await runBackfill(world, cal, opts.sink, fromMs, toMs, batchSize, (at, row) => live.schedule.add(at, row))
      if (toMs > fromMs) live.continueFrom(toMs)
      return counts
    },
    resume: (open) => live.resume(open),
    start: () => live.start(),
    stop: () => live.stop(),
    tick: () => live.tick(),
    stats: () => ({ pendingReports: live.pending.reports, pendingVisits: live.pending.visits, scheduled: live.schedule.size }),
  }
}
