/**
 * History: every event with `at` in [fromMs, toMs), generated week by week (each day's reports,
 * then the week's visits) and sent in batches. Generation is streamed into the batches, so
 * memory stays flat however long the range.
 */
import { mondayOfWeek, weekOfDayNo, type LocalCalendar } from './calendar.ts'
import { Lifecycle, buildReport, dayReportId, planDay } from './reports.ts'
import { Rng } from './random.ts'
import { visitRow, visitTime, weekCtx } from './visits.ts'
import type { EventKind, ReportRow, VisitRow } from './wire.ts'
import type { World } from './world.ts'

export interface SimSink {
  send(kind: EventKind, rows: object[]): Promise<unknown>
}

export interface BackfillCounts {
  /** Reports created in the range (their `reported` events). */
  reports: number
  /** Report events sent, `reported` included. */
  reportEvents: number
  visits: number
}

/** Sends rows in batches of `size`; the sink sees each batch once and it is never reused. */
class Batcher<T extends object> {
  private rows: T[] = []

  constructor(
    private readonly sink: SimSink,
    private readonly kind: EventKind,
    private readonly size: number,
  ) {}

  /** True when the batch is full and `flush` should be awaited. */
  push(row: T): boolean {
    this.rows.push(row)
    return this.rows.length >= this.size
  }

  async flush(): Promise<void> {
    if (this.rows.length === 0) return
    const rows = this.rows
    this.rows = []
    await this.sink.send(this.kind, rows)
  }
}

/**
 * Generates and sends the history. Reports created in the range whose later steps fall at or
 * after `toMs` have those steps handed to `schedule` instead (the live stream sends them when
 * due). Reports created before `fromMs` are not generated, so their steps are not either:
 * after a restart those come from `resume`. A sink error rejects the whole backfill.
 */
export async function runBackfill(
  w: World,
  cal: LocalCalendar,
  sink: SimSink,
  fromMs: number,
  toMs: number,
  batchSize: number,
  schedule: (at: number, row: ReportRow) => void,
): Promise<BackfillCounts> {
  const counts: BackfillCounts = { reports: 0, reportEvents: 0, visits: 0 }
  if (!(toMs > fromMs)) return counts

  // Week by week, reports then visits, so an interrupted backfill leaves a consistent prefix of
  // history rather than a year of reports and no visits.
  const reports = new Batcher<ReportRow>(sink, 'reports', batchSize)
  const visits = new Batcher<VisitRow>(sink, 'visits', batchSize)
  const life = new Lifecycle()
  const rng = new Rng(0)
  const firstDay = cal.dayOf(fromMs).dayNo
  const lastDay = cal.dayOf(toMs - 1).dayNo
  for (let week = weekOfDayNo(firstDay); week <= weekOfDayNo(lastDay); week++) {
    // Reports: whole local days, so a day's ids do not depend on where the range cuts it.
    const monday = mondayOfWeek(week)
    for (let dayNo = Math.max(monday, firstDay); dayNo <= Math.min(monday + 6, lastDay); dayNo++) {
      const plan = planDay(w, cal.byDayNo(dayNo), cal)
      for (let i = 0; i < plan.count; i++) {
        // Draw every report of the day, even outside the range, to keep the day's stream aligned.
        life.clear()
        buildReport(w, plan.rng, plan.mg[i]!, plan.role[i]!, plan.at[i]!, dayReportId(w, plan.day, i), life)
        const reportedAt = life.at[0]!
        if (reportedAt < fromMs || reportedAt >= toMs) continue
        counts.reports++
        for (let k = 0; k < life.at.length; k++) {
          const at = life.at[k]!
          if (at >= toMs) {
            schedule(at, life.rows[k]!)
            continue
          }
          counts.reportEvents++
          if (reports.push(life.rows[k]!)) await reports.flush()
        }
      }
    }
    await reports.flush()

    // Visits: every key household once in the week, unless missed.
    const ctx = weekCtx(cal, week)
    if (ctx.days[4]!.endMs <= fromMs || ctx.days[0]!.startMs >= toMs) continue
    for (let hh = 0; hh < w.hhCount; hh++) {
      const at = visitTime(w, ctx, hh, rng)
      if (at < fromMs || at >= toMs) continue
      counts.visits++
      if (visits.push(visitRow(w, ctx, hh, at, rng))) await visits.flush()
    }
    await visits.flush()
  }
  return counts
}
