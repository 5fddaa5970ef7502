/**
 * Reading the periods a review needs (server/trends/report.ts) from the store: from report_current
 * and visit_events (`eventsReader`, two grouped queries per period), or from the rollups of
 * migration 008 (`rollupReader`, three queries for all periods, whatever the history).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Month } from '../contracts/trends.ts'
import { chTime, sql } from '../../sql/queries.ts'
import { addMonths, DAY_MS, dayStart, localDate, mondayOf, monthOf, monthStart } from './calendar.ts'
import { histQuantiles } from './histogram.ts'

/** The connection reviews are read on, and the calendar's time zone. */
export interface ReaderDeps {
  reader: ClickHouseClient
  tz: string
}

type Num = number | string
/** A row of trends_reports (unit '' is the scope). */
export interface ReportRow {
  month: string
  unit: string
  reported: Num
  categories: Record<string, Num> | [string[], Num[]]
  mobile: Num
  verified: Num
  verify_q: number[]
  verify_n: Num
  resolved: Num
  resolve_q: number[]
  resolve_n: Num
  overran: Num
  closed: Num
  closed_on_time: Num
  reopened: Num
  rejected: Num
}
export interface VisitRow {
  month: string
  unit: string
  household_weeks: Num
}

/**
 * A period a review needs: whole months (per month, or as one when `whole`), or a cut base —
 * from a month's start to `end`, an instant inside the same or a later month.
 */
export type Period = { label: string; first: Month; last: Month; whole: boolean } | { label: string; start: number; end: number }
export type PeriodRows = { reports: ReportRow[]; visits: VisitRow[] }

/** Reads the rows of several periods; from report_current and visit_events, or from the rollups. */
export type PeriodReader = (periods: Period[]) => Promise<Map<string, PeriodRows>>

export interface ScopeParams {
  tz: string
  scope_col: string
  scope_code: string
  unit_col: string
  categories: string[]
  resolve_min: number[]
  default_resolve_min: number
}

/**
 * What the review needs of the child units (`assemble`): the months of the range (categories
 * for their top 3), full figures for its last two months and for the cut base before the last.
 */
export interface UnitsWanted {
  labels: string[]
  from: Month
  histFrom: Month
}

/** The raw reader: one grouped pass over report_current and one over visit_events per period. */
export function eventsReader(deps: ReaderDeps, base: ScopeParams): PeriodReader {
  const readSpan = async <T>(name: 'trends_reports' | 'trends_visits', start: number, end: number, whole: boolean, cutAtEnd = false) =>
    (
      await deps.reader.query({
        query: sql(name),
        query_params: {
          ...base,
          whole: whole ? 1 : 0,
          start: chTime(start),
          end: chTime(end),
          // Whole months count their last week whole; a cut period stops at its cut.
          visits_end: chTime(cutAtEnd ? end : end + 7 * DAY_MS),
          first_day: localDate(start, deps.tz),
          // A cut period holds its cut day (and a week whose Monday it is), as the month under way holds today.
          end_day: localDate(cutAtEnd ? end + DAY_MS : end, deps.tz),
        },
        format: 'JSONEachRow',
      })
    ).json<T>()
  return async (periods) => {
    const out = new Map<string, PeriodRows>()
    for (const p of periods) {
      const [start, end, whole, cut] = 'first' in p ? [monthStart(p.first, deps.tz), monthStart(addMonths(p.last, 1), deps.tz), p.whole, false] : [p.start, p.end, true, true]
      out.set(p.label, { reports: await readSpan<ReportRow>('trends_reports', start, end, whole), visits: await readSpan<VisitRow>('trends_visits', start, end, whole, cut) })
    }
    return out
  }
}

/** A row of trends_rollup_reports: a ReportRow with histograms where the percentiles go. */
type RollupRow = Omit<ReportRow, 'verify_q' | 'resolve_q'> & { label: string; verify_hist: Record<string, Num>; resolve_hist: Record<string, Num> }

function fromRollup(r: RollupRow): ReportRow {
  const { verify_hist, resolve_hist, label: _label, ...rest } = r
  return { ...rest, verify_q: histQuantiles(verify_hist, [0.5, 0.9]), resolve_q: histQuantiles(resolve_hist, [0.5, 0.9]) }
}

/** Sums visit rows of the same unit (the whole weeks from the rollups and a week cut short). */
function addVisits(a: VisitRow[], b: VisitRow[]): VisitRow[] {
  const out = new Map<string, number>()
  for (const v of [...a, ...b]) out.set(v.unit, (out.get(v.unit) ?? 0) + Number(v.household_weeks))
  return [...out].map(([unit, n]) => ({ month: 'all', unit, household_weeks: n }))
}

/**
 * The two hour ranges the cut bases read (a review has at most two: the month before, and the
 * same month a year ago, whose year to date ends with it), as trends_rollup_reports binds them.
 */
function hourRanges(parts: Array<{ hoursFrom: number; hoursTo: number }>): Record<string, string> {
  const ranges = [...new Map(parts.map((x) => [`${x.hoursFrom}|${x.hoursTo}`, x])).values()]
  if (ranges.length > 2) throw new Error('a review reads at most two hour ranges')
  const [a, b] = [ranges[0] ?? { hoursFrom: 0, hoursTo: 0 }, ranges[1] ?? { hoursFrom: 0, hoursTo: 0 }]
  return { hours_a_from: chTime(a.hoursFrom), hours_a_to: chTime(a.hoursTo), hours_b_from: chTime(b.hoursFrom), hours_b_to: chTime(b.hoursTo) }
}

/**
 * The rollup reader (migration 008): every period in three reads whatever the history — months
 * and hours from trends_monthly/trends_hourly, whole weeks from visit_weeks, and from
 * visit_events only the week each cut base ends in (two at most: the bases a year apart).
 */
export function rollupReader(deps: ReaderDeps, base: ScopeParams, scopeLevel: string, childLevel: string, units: UnitsWanted): PeriodReader {
  const tz = deps.tz
  return async (periods) => {
    // Each period as whole months + hours (reports) and whole weeks + a cut week (visits).
    const parts = periods.map((p) => {
      if ('first' in p) return { label: p.label, first: p.first, last: p.last, hoursFrom: 0, hoursTo: 0, whole: p.whole, firstDay: `${p.first}-01`, endDay: `${addMonths(p.last, 1)}-01`, cutWeek: undefined }
      const endMonth = monthOf(p.end, tz)
      const atMonthStart = monthStart(endMonth, tz) === p.end
      // Weeks whose Monday is from the first day to the cut day: whole ones, and the last one up to the cut.
      const firstDay = localDate(p.start, tz)
      const lastMonday = mondayOf(localDate(p.end, tz))
      return {
        label: p.label,
        first: monthOf(p.start, tz),
        last: addMonths(endMonth, -1),
        hoursFrom: atMonthStart ? 0 : monthStart(endMonth, tz),
        hoursTo: atMonthStart ? 0 : p.end,
        whole: true,
        firstDay,
        endDay: lastMonday,
        cutWeek: lastMonday >= firstDay ? { start: dayStart(lastMonday, tz), end: p.end } : undefined,
      }
    })
    const hours = parts.filter((x) => x.hoursTo > x.hoursFrom)
    const reports = (
      await (
        await deps.reader.query({
          query: sql('trends_rollup_reports'),
          query_params: {
            level: childLevel,
            parent: base.scope_code,
            labels: parts.map((x) => x.label),
            first_months: parts.map((x) => `${x.first}-01`),
            last_months: parts.map((x) => `${x.last}-01`),
            hours_from: parts.map((x) => chTime(x.hoursFrom)),
            hours_to: parts.map((x) => chTime(x.hoursTo)),
            wholes: parts.map((x) => (x.whole ? 1 : 0)),
            month_lo: `${parts.map((x) => x.first).sort()[0]!}-01`,
            month_hi: `${parts.map((x) => x.last).sort().at(-1)!}-01`,
            ...hourRanges(hours),
            unit_labels: units.labels,
            unit_from: `${units.from}-01`,
            unit_hist_from: `${units.histFrom}-01`,
          },
          format: 'JSONEachRow',
        })
      ).json<RollupRow>()
    )
    const visits = await (
      await deps.reader.query({
        query: sql('trends_rollup_visits'),
        query_params: {
          scope_level: scopeLevel,
          level: childLevel,
          scope_code: base.scope_code,
          labels: parts.map((x) => x.label),
          first_days: parts.map((x) => x.firstDay),
          end_days: parts.map((x) => x.endDay),
          wholes: parts.map((x) => (x.whole ? 1 : 0)),
          day_lo: parts.map((x) => x.firstDay).sort()[0]!,
          day_hi: parts.map((x) => x.endDay).sort().at(-1)!,
        },
        format: 'JSONEachRow',
      })
    ).json<VisitRow & { label: string }>()
    // The cut weeks: bases cut at the same instant share theirs (last year's month and its year to date).
    const weeks = [...new Map(parts.filter((x) => x.cutWeek).map((x) => [`${x.cutWeek!.start}|${x.cutWeek!.end}`, x.cutWeek!])).values()]
    const cutRows = new Map<string, VisitRow[]>()
    if (weeks.length > 0) {
      if (weeks.length > 2) throw new Error('a review has at most two cut weeks')
      const [a, b] = [weeks[0]!, weeks[1] ?? { start: 0, end: 0 }]
      const rows = await (
        await deps.reader.query({
          query: sql('trends_visits_cut'),
          query_params: { ...base, start_a: chTime(a.start), end_a: chTime(a.end), start_b: chTime(b.start), end_b: chTime(b.end) },
          format: 'JSONEachRow',
        })
      ).json<VisitRow & { label: string }>()
      weeks.forEach((w, i) => cutRows.set(`${w.start}|${w.end}`, rows.filter((r) => r.label === (i === 0 ? 'a' : 'b'))))
    }
    const out = new Map<string, PeriodRows>()
    for (const x of parts) {
      const whole = visits.filter((v) => v.label === x.label)
      out.set(x.label, {
        reports: reports.filter((r) => r.label === x.label).map(fromRollup),
        visits: x.cutWeek ? addVisits(whole, cutRows.get(`${x.cutWeek.start}|${x.cutWeek.end}`) ?? []) : whole,
      })
    }
    return out
  }
}
