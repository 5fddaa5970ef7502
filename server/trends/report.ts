/**
 * The leaders' monthly review (server/contracts/trends.ts) read from the store: two grouped
 * queries (reports, visits) over every month the report needs — the range, the month before
 * it, the same months a year earlier — and two more per year-to-date period (percentiles
 * over a period are not the average of its months). Slicing into months, units and
 * comparisons is pure (`assemble`), so it is tested without a store.
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

/** Reads the rows a review needs; from report_current and visit_events, or from the rollups. */
interface SpanReader {
  /** Months first…last, per month (whole = false) or as one period. */
  months(first: Month, last: Month, whole: boolean): Promise<{ reports: ReportRow[]; visits: VisitRow[] }>
  /** From a month's start to `end`, an instant inside a later or the same month (a cut base). */
  cut(start: number, end: number): Promise<{ reports: ReportRow[]; visits: VisitRow[] }>
}

interface ScopeParams {
  tz: string
  scope_col: string
  scope_code: string
  unit_col: string
  categories: string[]
  resolve_min: number[]
  default_resolve_min: number
}

/** The raw reader: one grouped pass over report_current (and visit_events) per period. */
function eventsReader(deps: TrendsDeps, base: ScopeParams): SpanReader {
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
  return {
    async months(first, last, whole) {
      const start = monthStart(first, deps.tz)
      const end = monthStart(addMonths(last, 1), deps.tz)
      return { reports: await readSpan<ReportRow>('trends_reports', start, end, whole), visits: await readSpan<VisitRow>('trends_visits', start, end, whole) }
    },
    async cut(start, end) {
      return { reports: await readSpan<ReportRow>('trends_reports', start, end, true), visits: await readSpan<VisitRow>('trends_visits', start, end, true, true) }
    },
  }
}

/** A row of trends_rollup_reports: a ReportRow with histograms where the percentiles go. */
type RollupRow = Omit<ReportRow, 'verify_q' | 'resolve_q'> & { verify_hist: Record<string, Num>; resolve_hist: Record<string, Num> }

function fromRollup(r: RollupRow): ReportRow {
  const { verify_hist, resolve_hist, ...rest } = r
  return { ...rest, verify_q: histQuantiles(verify_hist, [0.5, 0.9]), resolve_q: histQuantiles(resolve_hist, [0.5, 0.9]) }
}

/** Sums visit rows of the same unit (the whole weeks from the rollups and a week cut short). */
function addVisits(a: VisitRow[], b: VisitRow[]): VisitRow[] {
  const out = new Map<string, number>()
  for (const v of [...a, ...b]) out.set(v.unit, (out.get(v.unit) ?? 0) + Number(v.household_weeks))
  return [...out].map(([unit, n]) => ({ month: 'all', unit, household_weeks: n }))
}

/** The Monday (YYYY-MM-DD) of the week holding local date `day`. */
function mondayOf(day: string): string {
  const t = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)))
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10)
}

/**
 * The rollup reader (migration 008): months and hours from trends_monthly/trends_hourly, whole
 * weeks from visit_weeks; only the week a cut base ends in is read from visit_events.
 */
function rollupReader(deps: TrendsDeps, base: ScopeParams, scopeLevel: string, childLevel: string): SpanReader {
  const reports = async (firstMonth: Month, lastMonth: Month, hoursFrom: number, hoursTo: number, whole: boolean) =>
    (
      await (
        await deps.reader.query({
          query: sql('trends_rollup_reports'),
          query_params: {
            level: childLevel,
            parent: base.scope_code,
            first_month: `${firstMonth}-01`,
            last_month: `${lastMonth}-01`,
            hours_from: chTime(hoursFrom),
            hours_to: chTime(hoursTo),
            whole: whole ? 1 : 0,
          },
          format: 'JSONEachRow',
        })
      ).json<RollupRow>()
    ).map(fromRollup)
  const visits = async (firstDay: string, endDay: string, whole: boolean) =>
    (
      await deps.reader.query({
        query: sql('trends_rollup_visits'),
        query_params: { scope_level: scopeLevel, level: childLevel, scope_code: base.scope_code, first_day: firstDay, end_day: endDay, whole: whole ? 1 : 0 },
        format: 'JSONEachRow',
      })
    ).json<VisitRow>()
  return {
    async months(first, last, whole) {
      return {
        reports: await reports(first, last, 0, 0, whole),
        visits: await visits(`${first}-01`, `${addMonths(last, 1)}-01`, whole),
      }
    },
    async cut(start, end) {
      const first = monthOf(start, deps.tz)
      const endMonth = monthOf(end, deps.tz)
      const atMonthStart = monthStart(endMonth, deps.tz) === end
      // Whole months before the cut's month, and that month's hours up to the cut.
      const rows = await reports(first, addMonths(endMonth, -1), atMonthStart ? 0 : monthStart(endMonth, deps.tz), atMonthStart ? 0 : end, true)
      // Weeks whose Monday is from the first day to the cut day: whole ones from the rollups, the last one up to the cut.
      const firstDay = localDate(start, deps.tz)
      const lastMonday = mondayOf(localDate(end, deps.tz))
      let vs = await visits(firstDay, lastMonday, true)
      if (lastMonday >= firstDay) {
        const mondayStart = localDayStart(Date.UTC(Number(lastMonday.slice(0, 4)), Number(lastMonday.slice(5, 7)) - 1, Number(lastMonday.slice(8, 10)), 12), deps.tz)
        const partial = await (
          await deps.reader.query({
            query: sql('trends_visits'),
            query_params: {
              ...base,
              whole: 1,
              start: chTime(mondayStart),
              end: chTime(end),
              visits_end: chTime(end),
              first_day: lastMonday,
              end_day: localDate(end + DAY_MS, deps.tz),
            },
            format: 'JSONEachRow',
          })
        ).json<VisitRow>()
        vs = addVisits(vs, partial)
      }
      return { reports: rows, visits: vs }
    },
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
  const reader = source === 'rollups' ? rollupReader(deps, base, parsed.level, unitCol) : eventsReader(deps, base)
  /** `start`…`end` as one period, cut at `end` (an instant inside a month). */
  const span = async (start: number, end: number): Promise<SpanRows> => ({
    ...(await reader.cut(start, end)),
    weeks: weeksBetween(localDate(start, deps.tz), localDate(end + DAY_MS, deps.tz), deps.tz, asOf),
  })
  const ytdFrom = `${to.slice(0, 4)}-01`
  // Every month any figure needs: the range and the month before it, the year-to-date, and all of them a year earlier.
  const first = addMonths(from < ytdFrom ? from : ytdFrom, -13)
  const monthly = await reader.months(first, to, false)
  const ytdNow = await reader.months(ytdFrom, to, true)
  const ytdLast = await reader.months(addMonths(ytdFrom, -12), addMonths(to, -12), true)
  const ytd = { reports: ytdNow.reports, visits: ytdNow.visits, lastReports: ytdLast.reports, lastVisits: ytdLast.visits }
  // A month under way is compared with the same stretch of its bases — the month before and the
  // same month a year ago up to the same day and hour, last year's year to date up to the same
  // hour — not with whole months (同期): early in a month, whole months would dwarf it.
  let partial: AssembleInput['partial']
  if (to === monthOf(asOf, deps.tz)) {
    const cut = (month: Month) => cutOf(month, to, asOf, deps.tz)
    partial = {
      prev: await span(monthStart(addMonths(to, -1), deps.tz), cut(addMonths(to, -1))),
      lastYear: await span(monthStart(addMonths(to, -12), deps.tz), cut(addMonths(to, -12))),
      ytdLastYear: await span(monthStart(addMonths(ytdFrom, -12), deps.tz), cut(addMonths(to, -12))),
    }
  }
  return { ...assemble({ registry, scope, from, to, tz: deps.tz, asOf, monthly, ytd, partial }), source }
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
