/**
 * The leaders' monthly review (server/contracts/trends.ts) read from the store. It needs a few
 * periods: every month of the range with the month before it and the same months a year
 * earlier, the year to date and last year's (percentiles over a period are not the average of
 * its months), and for a month under way its bases cut at the same hour. Once the rollup
 * maintainer has folded (server/trends/rollups.ts) they are read from the rollups in three
 * queries, whatever the history; before, from report_current and visit_events, two queries per
 * period. Slicing into months, units and comparisons is pure (`assemble`), tested without a store.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Scope } from '../contracts/live.ts'
import { parseScope } from '../contracts/live.ts'
import type { Month, PeriodFigures, TrendsReport, TrendsUnit } from '../contracts/trends.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import type { Place } from '../contracts/registry.ts'
import { chTime, sql } from '../../sql/queries.ts'
import type { SlaTable } from '../sla.ts'
import { localParts, localDayStart } from '../live/localTime.ts'
import { scopePath } from '../live/snapshots.ts'
import { histQuantiles } from './histogram.ts'

/** The longest range one request may ask for. */
export const MAX_MONTHS = 36
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/
const CHILD_LEVEL = { city: 'district', district: 'street', street: 'community', community: 'grid' } as const

/** `YYYY-MM` ± n months. */
export function addMonths(month: Month, n: number): Month {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const i = y * 12 + (m - 1) + n
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`
}

export function monthsBetween(from: Month, to: Month): Month[] {
  const out: Month[] = []
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(m)
  return out
}

/** Validates `from`/`to` (default: the 12 months up to `current`); an error names the parameter. */
export function monthRange(rawFrom: unknown, rawTo: unknown, current: Month): { from: Month; to: Month } | { error: string } {
  const to = rawTo === undefined ? current : rawTo
  if (typeof to !== 'string' || !MONTH_RE.test(to)) return { error: `to: must be a month as YYYY-MM; got ${JSON.stringify(rawTo)}` }
  const from = rawFrom === undefined ? addMonths(to, -11) : rawFrom
  if (typeof from !== 'string' || !MONTH_RE.test(from)) return { error: `from: must be a month as YYYY-MM; got ${JSON.stringify(rawFrom)}` }
  if (from > to) return { error: `from: ${from} is after to: ${to}` }
  if (to > current) return { error: `to: ${to} is in the future (this month is ${current})` }
  if (monthsBetween(from, to).length > MAX_MONTHS) return { error: `from, to: at most ${MAX_MONTHS} months at a time` }
  return { from, to }
}

/** The instant local month `month` begins in `tz`. */
export function monthStart(month: Month, tz: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number]
  // Noon UTC of the 1st is on the 1st in every zone; its local day start is the month's start.
  return localDayStart(Date.UTC(y, m - 1, 1, 12), tz)
}

export function monthOf(ms: number, tz: string): Month {
  const p = localParts(ms, tz)
  return `${p.y}-${String(p.m).padStart(2, '0')}`
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

const DAY_MS = 86_400_000

/**
 * Weeks (Monday to Sunday, local) that belong to the months first…last — each month owns the
 * weeks whose Monday falls in it — and have begun by `now`: the divisor of weekly coverage.
 * Counted on civil dates, so no time zone or DST change can skip or repeat a day.
 */
export function weeksIn(first: Month, last: Month, tz: string, now: number): number {
  return weeksBetween(`${first}-01`, `${addMonths(last, 1)}-01`, tz, now)
}

/** Mondays on local dates firstDay ≤ d < endDay (YYYY-MM-DD) that have come by `now`. */
export function weeksBetween(firstDay: string, endDay: string, tz: string, now: number): number {
  const today = localParts(now, tz)
  const todayUtc = Date.UTC(today.y, today.m - 1, today.d)
  const utc = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)))
  let n = 0
  for (let t = utc(firstDay); t < utc(endDay) && t <= todayUtc; t += DAY_MS) if (new Date(t).getUTCDay() === 1) n++
  return n
}

/** The local date (YYYY-MM-DD) of an instant. */
function localDate(ms: number, tz: string): string {
  const p = localParts(ms, tz)
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`
}

/** Figures over one span of time (whole=1 rows), with the weeks it holds for visit coverage. */
export interface SpanRows {
  reports: ReportRow[]
  visits: VisitRow[]
  weeks: number
}

export interface TrendsDeps {
  reader: ClickHouseClient
  /** When ready, reviews are read from the rollups (migration 008); else from report_current. */
  rollups?: { ready(): boolean }
  registry: () => Registry
  sla: () => SlaTable
  tz: string
  now?: () => number
}

/** What the routes need: the report, and which month is current. */
export interface TrendsSource {
  currentMonth(): Month
  report(scope: Scope, from: Month, to: Month): Promise<TrendsReport>
}

/** Reports read at once; more wait, up to MAX_WAITING, then the caller is told to come back. */
const MAX_READING = 2
const MAX_WAITING = 4
/** A report read this recently is answered again without reading (leaders click back and forth). */
const CACHE_MS = 30_000
const CACHE_MAX = 100

/** Too many reviews asked at once: answer 503 with Retry-After rather than queue without end. */
export class TrendsBusyError extends Error {
  readonly retryAfterSec = 5
  constructor() {
    super('too many monthly reviews are being read right now; try again in a few seconds')
  }
}

export function trendsSource(deps: TrendsDeps): TrendsSource {
  const now = deps.now ?? Date.now
  const cache = new Map<string, { at: number; report: Promise<TrendsReport> }>()
  let reading = 0
  const waiting: Array<() => void> = []
  const slot = async (): Promise<void> => {
    if (reading < MAX_READING) {
      reading++
      return
    }
    if (waiting.length >= MAX_WAITING) throw new TrendsBusyError()
    await new Promise<void>((resolve) => waiting.push(resolve))
  }
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else reading--
  }
  return {
    currentMonth: () => monthOf(now(), deps.tz),
    report(scope, from, to) {
      const key = `${scope}|${from}|${to}`
      const t = now()
      const hit = cache.get(key)
      if (hit && t - hit.at < CACHE_MS) return hit.report
      const report = (async () => {
        await slot()
        try {
          return await readTrends(deps, scope, from, to, t)
        } finally {
          release()
        }
      })()
      cache.set(key, { at: t, report })
      // A failure is not kept: the next ask reads again.
      report.catch(() => cache.get(key)?.report === report && cache.delete(key))
      for (const [k, v] of cache) if (cache.size > CACHE_MAX || t - v.at >= CACHE_MS) cache.delete(k)
      return report
    },
  }
}

/**
 * Where a base of the month under way ends (同期): as far into `month` as `asOf` is into `to`,
 * rounded up to the end of that local hour (the rollups keep hours), and never past the month.
 */
export function cutOf(month: Month, to: Month, asOf: number, tz: string): number {
  const at = monthStart(month, tz) + (asOf - monthStart(to, tz))
  const day = localDayStart(at, tz)
  return Math.min(day + Math.ceil((at - day) / HOUR_MS) * HOUR_MS, monthStart(addMonths(month, 1), tz))
}

const HOUR_MS = 3_600_000

/**
 * A period a review needs: whole months (per month, or as one when `whole`), or a cut base —
 * from a month's start to `end`, an instant inside the same or a later month.
 */
type Period = { label: string; first: Month; last: Month; whole: boolean } | { label: string; start: number; end: number }
type PeriodRows = { reports: ReportRow[]; visits: VisitRow[] }

/** Reads the rows of several periods; from report_current and visit_events, or from the rollups. */
type PeriodReader = (periods: Period[]) => Promise<Map<string, PeriodRows>>

interface ScopeParams {
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
interface UnitsWanted {
  labels: string[]
  from: Month
  histFrom: Month
}

/** The raw reader: one grouped pass over report_current and one over visit_events per period. */
function eventsReader(deps: TrendsDeps, base: ScopeParams): PeriodReader {
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

/** The Monday (YYYY-MM-DD) of the week holding local date `day`. */
function mondayOf(day: string): string {
  const t = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)))
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10)
}

/** The instant local date `day` (YYYY-MM-DD) begins. */
function dayStart(day: string, tz: string): number {
  return localDayStart(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)), 12), tz)
}

/**
 * The rollup reader (migration 008): every period in three reads whatever the history — months
 * and hours from trends_monthly/trends_hourly, whole weeks from visit_weeks, and from
 * visit_events only the week each cut base ends in (two at most: the bases a year apart).
 */
function rollupReader(deps: TrendsDeps, base: ScopeParams, scopeLevel: string, childLevel: string, units: UnitsWanted): PeriodReader {
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

async function readTrends(deps: TrendsDeps, scope: Scope, from: Month, to: Month, asOf: number): Promise<TrendsReport> {
  const parsed = parseScope(scope)!
  const registry = deps.registry()
  const sla = deps.sla()
  const scopeCol = parsed.level === 'city' ? 'district' : parsed.level
  const unitCol = CHILD_LEVEL[parsed.level]
  const base: ScopeParams = {
    tz: deps.tz,
    scope_col: scopeCol,
    scope_code: parsed.code,
    unit_col: unitCol,
    categories: sla.categories,
    resolve_min: sla.resolveMin,
    default_resolve_min: sla.defaultResolveMin,
  }
  const source = deps.rollups?.ready() ? 'rollups' : 'events'
  const units = { labels: ['monthly', 'prev'], from, histFrom: addMonths(to, -1) }
  const read = source === 'rollups' ? rollupReader(deps, base, parsed.level, unitCol, units) : eventsReader(deps, base)
  const ytdFrom = `${to.slice(0, 4)}-01`
  const periods: Period[] = [
    // Every month any figure needs: the range and the month before it, the year-to-date, and all of them a year earlier.
    { label: 'monthly', first: addMonths(from < ytdFrom ? from : ytdFrom, -13), last: to, whole: false },
    { label: 'ytd', first: ytdFrom, last: to, whole: true },
    { label: 'ytdLast', first: addMonths(ytdFrom, -12), last: addMonths(to, -12), whole: true },
  ]
  // A month under way is compared with the same stretch of its bases — the month before and the
  // same month a year ago up to the same day and hour, last year's year to date up to the same
  // hour — not with whole months (同期): early in a month, whole months would dwarf it.
  const underWay = to === monthOf(asOf, deps.tz)
  const cuts = { prev: addMonths(to, -1), lastYear: addMonths(to, -12), ytdLastYear: addMonths(ytdFrom, -12) }
  if (underWay) {
    periods.push(
      { label: 'prev', start: monthStart(cuts.prev, deps.tz), end: cutOf(cuts.prev, to, asOf, deps.tz) },
      { label: 'lastYear', start: monthStart(cuts.lastYear, deps.tz), end: cutOf(cuts.lastYear, to, asOf, deps.tz) },
      { label: 'ytdLastYear', start: monthStart(cuts.ytdLastYear, deps.tz), end: cutOf(cuts.lastYear, to, asOf, deps.tz) },
    )
  }
  const rows = await read(periods)
  const span = (label: string): SpanRows => {
    const p = periods.find((x) => x.label === label) as { start: number; end: number }
    return { ...rows.get(label)!, weeks: weeksBetween(localDate(p.start, deps.tz), localDate(p.end + DAY_MS, deps.tz), deps.tz, asOf) }
  }
  const ytd = { reports: rows.get('ytd')!.reports, visits: rows.get('ytd')!.visits, lastReports: rows.get('ytdLast')!.reports, lastVisits: rows.get('ytdLast')!.visits }
  const partial = underWay ? { prev: span('prev'), lastYear: span('lastYear'), ytdLastYear: span('ytdLastYear') } : undefined
  return { ...assemble({ registry, scope, from, to, tz: deps.tz, asOf, monthly: rows.get('monthly')!, ytd, partial }), source }
}

export interface AssembleInput {
  registry: Registry
  scope: Scope
  from: Month
  to: Month
  tz: string
  asOf: number
  monthly: { reports: ReportRow[]; visits: VisitRow[] }
  ytd: { reports: ReportRow[]; visits: VisitRow[]; lastReports: ReportRow[]; lastVisits: VisitRow[] }
  /** When `to` is the month under way: its bases cut at the same point (see readTrends). */
  partial?: { prev: SpanRows; lastYear: SpanRows; ytdLastYear: SpanRows }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}

function categoriesOf(raw: ReportRow['categories']): Record<string, number> {
  const out: Record<string, number> = {}
  if (Array.isArray(raw)) raw[0].forEach((k, i) => (out[k] = Number(raw[1][i])))
  else for (const [k, v] of Object.entries(raw)) out[k] = Number(v)
  for (const k of Object.keys(out)) if (!k || out[k] === 0) delete out[k]
  return out
}

function figures(row: ReportRow | undefined, visits: VisitRow | undefined, place: Place, weeks: number): PeriodFigures {
  const f: PeriodFigures = {
    reported: Number(row?.reported ?? 0),
    categories: row ? categoriesOf(row.categories) : {},
    mobile: Number(row?.mobile ?? 0),
    verified: Number(row?.verified ?? 0),
    resolved: Number(row?.resolved ?? 0),
    overran: Number(row?.overran ?? 0),
    closed: Number(row?.closed ?? 0),
    closedOnTime: Number(row?.closed_on_time ?? 0),
    reopened: Number(row?.reopened ?? 0),
    rejected: Number(row?.rejected ?? 0),
    visited: weeks > 0 ? Math.round(Number(visits?.household_weeks ?? 0) / weeks) : 0,
    keyHouseholds: place.keyHouseholds,
    households: place.households,
  }
  if (row && Number(row.verify_n) > 0) {
    f.verifyP50 = round1(row.verify_q[0]!)
    f.verifyP90 = round1(row.verify_q[1]!)
  }
  if (row && Number(row.resolve_n) > 0) {
    f.resolveP50 = round1(row.resolve_q[0]!)
    f.resolveP90 = round1(row.resolve_q[1]!)
  }
  return f
}

/** Slices the grouped rows into the report: months with their bases, the year to date, the units. Pure. */
export function assemble(input: AssembleInput): Omit<TrendsReport, 'source'> {
  const { registry, scope, from, to } = input
  const parsed = parseScope(scope)!
  const place = parsed.level === 'city' ? registry.places.find((p) => p.level === 'city')! : registry.byCode.get(parsed.code)!
  const key = (month: string, unit: string) => `${month}|${unit}`
  const index = <T extends { month: string; unit: string }>(rows: T[]) => new Map(rows.map((r) => [key(r.month, r.unit), r]))
  const reports = index(input.monthly.reports)
  const visits = index(input.monthly.visits)
  const at = (month: Month, unit: string, p: Place) => figures(reports.get(key(month, unit)), visits.get(key(month, unit)), p, weeksIn(month, month, input.tz, input.asOf))

  const cut = input.partial
  const fromSpan = (sp: SpanRows, unit: string, p: Place) => figures(sp.reports.find((r) => r.unit === unit), sp.visits.find((v) => v.unit === unit), p, sp.weeks)
  const months = monthsBetween(from, to).map((month) => ({
    month,
    ...at(month, '', place),
    prev: cut && month === to ? fromSpan(cut.prev, '', place) : at(addMonths(month, -1), '', place),
    lastYear: cut && month === to ? fromSpan(cut.lastYear, '', place) : at(addMonths(month, -12), '', place),
  }))
  const ytdFrom = `${to.slice(0, 4)}-01`
  const ytdOf = (rows: ReportRow[], vs: VisitRow[], first: Month, last: Month) =>
    figures(rows.find((r) => r.unit === ''), vs.find((v) => v.unit === ''), place, weeksIn(first, last, input.tz, input.asOf))

  const range = monthsBetween(from, to)
  const units: TrendsUnit[] = registry.children(place.code).map((c) => {
    const totals: Record<string, number> = {}
    for (const m of range) for (const [cat, n] of Object.entries(at(m, c.code, c).categories)) totals[cat] = (totals[cat] ?? 0) + n
    const topCategories = Object.entries(totals)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, 3)
      .map(([category, n]) => ({ category, n }))
    const previous = cut ? fromSpan(cut.prev, c.code, c) : at(addMonths(to, -1), c.code, c)
    return { code: c.code, name: c.name, nameEn: c.nameEn, month: at(to, c.code, c), previous, topCategories }
  })

  const path = scopePath(registry, place.code)
  return {
    scope,
    name: place.name,
    nameEn: place.nameEn,
    path,
    childLevel: CHILD_LEVEL[parsed.level],
    tz: input.tz,
    from,
    to,
    asOf: new Date(input.asOf).toISOString(),
    months,
    ...(cut ? { through: new Date(input.asOf).toISOString() } : {}),
    ytd: {
      from: ytdFrom,
      to,
      current: ytdOf(input.ytd.reports, input.ytd.visits, ytdFrom, to),
      lastYear: cut ? fromSpan(cut.ytdLastYear, '', place) : ytdOf(input.ytd.lastReports, input.ytd.lastVisits, addMonths(ytdFrom, -12), addMonths(to, -12)),
    },
    units,
  }
}
