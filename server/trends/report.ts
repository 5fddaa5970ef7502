/**
 * The leaders' monthly review (server/contracts/trends.ts) read from the store. It needs a few
 * periods: every month of the range with the month before it and the same months a year
 * earlier, the year to date and last year's (percentiles over a period are not the average of
 * its months), and for a month under way its bases cut at the same hour. Once the rollup
 * maintainer has folded (server/trends/rollups.ts) they are read from the rollups in two
 * queries, whatever the history; before, from report_current and visit_events, two queries per
 * period. Slicing into months, units and comparisons is pure (`assemble`), tested without a store.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Scope } from '../contracts/live.ts'
import { parseScope } from '../contracts/live.ts'
import type { Month, PeriodFigures, TrendsReport, TrendsUnit } from '../contracts/trends.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import type { Place } from '../contracts/registry.ts'
import type { SlaTable } from '../sla.ts'
import { scopePath } from '../live/snapshots.ts'
import { addMonths, cutOf, DAY_MS, localDate, monthOf, monthsBetween, monthStart, weeksBetween, weeksIn } from './calendar.ts'
import { eventsReader, rollupReader, type Period, type ReportRow, type ScopeParams, type VisitRow } from './readers.ts'

const CHILD_LEVEL = { city: 'district', district: 'street', street: 'community', community: 'grid' } as const
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
    // Not rounded: coverage, its changes and the ranking divide it by a few dozen households.
    visited: weeks > 0 ? Number(visits?.household_weeks ?? 0) / weeks : 0,
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
  // Every unit asks for the same few months: count each month's weeks once.
  const weeks = new Map<Month, number>()
  const weeksOf = (month: Month) => weeks.get(month) ?? weeks.set(month, weeksIn(month, month, input.tz, input.asOf)).get(month)!
  const at = (month: Month, unit: string, p: Place) => figures(reports.get(key(month, unit)), visits.get(key(month, unit)), p, weeksOf(month))

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
    for (const m of range) {
      const row = reports.get(key(m, c.code))
      if (row) for (const [cat, n] of Object.entries(categoriesOf(row.categories))) totals[cat] = (totals[cat] ?? 0) + n
    }
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
