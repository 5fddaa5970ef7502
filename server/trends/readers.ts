/**
 * Reading the periods a review needs (server/trends/report.ts) from the store: from report_current
 * and visit_events (`eventsReader`, two grouped queries per period), or from the rollups of
 * migration 008 (`rollupReader`, two queries for all periods, whatever the history).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Month } from '../contracts/trends.ts'
import { chTime, sql } from '../../sql/queries.ts'
import { addMonths, DAY_MS, dayStart, localDate, mondayOf, monthOf, monthsBetween, monthStart } from './calendar.ts'
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
 * What the review needs of the child units (`assemble`): the months of the range from `from`
 * (categories for their top 3), full figures (percentiles, visits) for its last two months, from
 * `histFrom`, and for the periods in `labels` (the cut base before the last month).
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

type Hist = Record<string, Num>
/**
 * A row of trends_rollup_reports: a sum of one part — 's' the scope in a month, 'u' a child unit
 * in a month, 'h' a child unit over a cut hour range ('a' or 'b') — with histograms where the
 * percentiles go.
 */
interface RollupRow {
  part: 's' | 'u' | 'h'
  bucket: string
  unit: string
  reported: Num
  categories: Record<string, Num>
  mobile: Num
  verified: Num
  verify_n: Num
  verify_hist: Hist
  resolved: Num
  resolve_n: Num
  resolve_hist: Hist
  overran: Num
  closed: Num
  closed_on_time: Num
  reopened: Num
  rejected: Num
}
/** A row of trends_rollup_visits: households per whole week ('w', bucket its Monday) or in a week cut short ('c', bucket 'a' or 'b'). */
interface RollupVisitRow {
  part: 'w' | 'c'
  bucket: string
  unit: string
  household_weeks: Num
}

const COUNTS = ['reported', 'mobile', 'verified', 'verify_n', 'resolved', 'resolve_n', 'overran', 'closed', 'closed_on_time', 'reopened', 'rejected'] as const

function addInto(acc: Record<string, number>, add: Record<string, Num>): void {
  for (const k in add) acc[k] = (acc[k] ?? 0) + Number(add[k])
}

/** Where histograms are added up: keys are UInt16, so one slot per key, emptied after each use. */
const scratch = new Float64Array(65_536)

/** Histograms added up key by key, as ascending keys and their counts. */
function addHists(hists: Hist[]): [number[], number[]] {
  let lo = scratch.length
  let hi = -1
  for (const h of hists) {
    for (const k in h) {
      const i = Number(k)
      scratch[i] = scratch[i]! + Number(h[k])
      if (i < lo) lo = i
      if (i > hi) hi = i
    }
  }
  const keys: number[] = []
  const counts: number[] = []
  for (let i = lo; i <= hi; i++) {
    if (scratch[i] !== 0) {
      keys.push(i)
      counts.push(scratch[i]!)
      scratch[i] = 0
    }
  }
  return [keys, counts]
}

/** Rollup sums added up into one period's row: counts and histograms add exactly, percentiles are read from the sum. */
function periodRow(rows: RollupRow[], month: string, unit: string): ReportRow {
  const counts = Object.fromEntries(COUNTS.map((c) => [c, 0])) as Record<(typeof COUNTS)[number], number>
  const categories: Record<string, number> = {}
  for (const r of rows) {
    for (const c of COUNTS) counts[c] += Number(r[c])
    addInto(categories, r.categories)
  }
  // One row needs no adding up: its histograms are read as they came.
  const [verify, resolve] = rows.length === 1 ? [rows[0]!.verify_hist, rows[0]!.resolve_hist] : [addHists(rows.map((r) => r.verify_hist)), addHists(rows.map((r) => r.resolve_hist))]
  return { month, unit, ...counts, categories, verify_q: histQuantiles(verify, [0.5, 0.9]), resolve_q: histQuantiles(resolve, [0.5, 0.9]) }
}

/** Rows grouped by a key, in the order met. */
function groupBy<T>(rows: T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const r of rows) {
    const list = out.get(key(r))
    if (list) list.push(r)
    else out.set(key(r), [r])
  }
  return out
}

/** Distinct ranges (by start and end), at most two, as the buckets 'a' and 'b' the queries bind. */
function twoRanges<T extends { start: number; end: number }>(ranges: T[], what: string): Array<T & { bucket: 'a' | 'b' }> {
  const distinct = [...new Map(ranges.map((r) => [`${r.start}|${r.end}`, r])).values()]
  if (distinct.length > 2) throw new Error(`a review reads at most two ${what}`)
  return distinct.map((r, i) => ({ ...r, bucket: i === 0 ? 'a' : 'b' }))
}

/**
 * The whole UTC days inside a range of hours, read from trends_daily (migration 011); the hours
 * before and after them are read from trends_hourly. Without a whole day, both ends are the
 * range's end, so its hours are all read before them.
 */
export function wholeDays<T extends { start: number; end: number }>(r: T): T & { daysFrom: number; daysTo: number } {
  const daysFrom = Math.ceil(r.start / DAY_MS) * DAY_MS
  const daysTo = Math.floor(r.end / DAY_MS) * DAY_MS
  return daysFrom < daysTo ? { ...r, daysFrom, daysTo } : { ...r, daysFrom: r.end, daysTo: r.end }
}

/**
 * The rollup reader (migration 008): every period from two reads whatever the history. The
 * store sums per month and per cut hour range (trends_rollup_reports) and per week
 * (trends_rollup_visits, with the week a cut base ends in read from visit_events); the periods —
 * months, years to date, bases cut at an hour — are added up here from a few hundred rows, so
 * the engine merges each histogram once rather than once per period it falls in.
 */
export function rollupReader(deps: ReaderDeps, base: ScopeParams, scopeLevel: string, childLevel: string, units: UnitsWanted): PeriodReader {
  const tz = deps.tz
  // The city has no rows of its own in the rollups: its districts are summed.
  const [ownLevel, ownUnit] = scopeLevel === 'city' ? ['district', ''] : [scopeLevel, base.scope_code]
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
    // A review has at most two hour ranges and cut weeks: the month before, and the same month a year ago (whose year to date ends with it).
    const hours = twoRanges(parts.filter((x) => x.hoursTo > x.hoursFrom).map((x) => ({ start: x.hoursFrom, end: x.hoursTo })), 'hour ranges')
    const weeks = twoRanges(parts.flatMap((x) => (x.cutWeek ? [x.cutWeek] : [])), 'cut weeks')
    const bucketOf = (ranges: Array<{ start: number; end: number; bucket: string }>, r: { start: number; end: number } | undefined) =>
      r && r.end > r.start ? ranges.find((x) => x.start === r.start && x.end === r.end)!.bucket : undefined
    const [ha, hb] = [wholeDays(hours[0] ?? { start: 0, end: 0 }), wholeDays(hours[1] ?? { start: 0, end: 0 })]
    const [wa, wb] = [weeks[0] ?? { start: 0, end: 0 }, weeks[1] ?? { start: 0, end: 0 }]
    // Units: categories from units.from, full figures (histograms, visits) from units.histFrom, and every month of a whole period they are wanted for.
    const unitWhole = parts.filter((x) => x.whole && units.labels.includes(x.label) && x.first <= x.last)
    const minOf = (xs: string[]) => xs.reduce((a, b) => (b < a ? b : a))
    const unitFrom = minOf([units.from, units.histFrom, ...unitWhole.map((x) => x.first)])
    const unitHistFrom = minOf([units.histFrom, ...unitWhole.map((x) => x.first)])
    const unitDayLo = minOf([`${units.histFrom}-01`, ...parts.filter((x) => x.whole && units.labels.includes(x.label)).map((x) => x.firstDay)])
    // One after the other: two queries at once on the embedded engine share its threads and
    // took longer together than in turn (measured at 100M, BENCHMARKS.md).
    const reports = await deps.reader
      .query({
        query: sql('trends_rollup_reports'),
        query_params: {
          scope_level: ownLevel,
          scope_unit: ownUnit,
          level: childLevel,
          parent: base.scope_code,
          month_lo: `${minOf(parts.map((x) => x.first))}-01`,
          month_hi: `${parts.map((x) => x.last).reduce((a, b) => (b > a ? b : a))}-01`,
          unit_from: `${unitFrom}-01`,
          unit_hist_from: `${unitHistFrom}-01`,
          hours_a_from: chTime(ha.start),
          hours_a_to: chTime(ha.end),
          hours_b_from: chTime(hb.start),
          hours_b_to: chTime(hb.end),
          days_a_from: chTime(ha.daysFrom),
          days_a_to: chTime(ha.daysTo),
          days_b_from: chTime(hb.daysFrom),
          days_b_to: chTime(hb.daysTo),
        },
        format: 'JSONEachRow',
      })
      .then((r) => r.json<RollupRow>())
    const visits = await deps.reader
      .query({
        query: sql('trends_rollup_visits'),
        query_params: {
          scope_level: scopeLevel,
          level: childLevel,
          scope_code: base.scope_code,
          scope_col: base.scope_col,
          unit_col: base.unit_col,
          day_lo: minOf(parts.map((x) => x.firstDay)),
          day_hi: parts.map((x) => x.endDay).reduce((a, b) => (b > a ? b : a)),
          unit_day_lo: unitDayLo,
          start_a: chTime(wa.start),
          end_a: chTime(wa.end),
          start_b: chTime(wb.start),
          end_b: chTime(wb.end),
        },
        format: 'JSONEachRow',
      })
      .then((r) => r.json<RollupVisitRow>())
    const scopeMonths = new Map(reports.filter((r) => r.part === 's').map((r) => [r.bucket, r]))
    const unitMonths = reports.filter((r) => r.part === 'u')
    const unitHours = groupBy(
      reports.filter((r) => r.part === 'h'),
      (r) => r.bucket,
    )
    const weekRows = visits.filter((v) => v.part === 'w')
    const cutRows = groupBy(
      visits.filter((v) => v.part === 'c'),
      (v) => v.bucket,
    )
    const visitRows = (rows: RollupVisitRow[], month: (r: RollupVisitRow) => string): VisitRow[] => {
      const sums = new Map<string, VisitRow>()
      for (const r of rows) {
        const key = `${month(r)}|${r.unit}`
        const v = sums.get(key)
        if (v) v.household_weeks = Number(v.household_weeks) + Number(r.household_weeks)
        else sums.set(key, { month: month(r), unit: r.unit, household_weeks: Number(r.household_weeks) })
      }
      return [...sums.values()]
    }
    const out = new Map<string, PeriodRows>()
    for (const x of parts) {
      const forUnits = units.labels.includes(x.label)
      const inMonths = (m: string) => m >= x.first && m <= x.last
      const scopeRows = monthsBetween(x.first, x.last).flatMap((m) => scopeMonths.get(m) ?? [])
      const unitRows = forUnits ? unitMonths.filter((r) => inMonths(r.bucket)) : []
      // Weeks whose Monday is in the period (a unit's are read from unitDayLo on).
      const periodWeeks = weekRows.filter((v) => v.bucket >= x.firstDay && v.bucket < x.endDay && (v.unit === '' || forUnits))
      if (!x.whole) {
        out.set(x.label, {
          reports: [...scopeRows, ...unitRows].map((r) => periodRow([r], r.bucket, r.unit)),
          visits: visitRows(periodWeeks, (v) => v.bucket.slice(0, 7)),
        })
        continue
      }
      const hourBucket = bucketOf(hours, { start: x.hoursFrom, end: x.hoursTo })
      const hourRows = hourBucket ? (unitHours.get(hourBucket) ?? []) : []
      const reportRows = scopeRows.length + hourRows.length > 0 ? [periodRow([...scopeRows, ...hourRows], 'all', '')] : []
      if (forUnits) for (const [unit, rows] of groupBy([...unitRows, ...hourRows], (r) => r.unit)) reportRows.push(periodRow(rows, 'all', unit))
      const cutBucket = bucketOf(weeks, x.cutWeek)
      const cut = (cutBucket ? (cutRows.get(cutBucket) ?? []) : []).filter((v) => v.unit === '' || forUnits)
      out.set(x.label, { reports: reportRows, visits: visitRows([...periodWeeks, ...cut], () => 'all') })
    }
    return out
  }
}
