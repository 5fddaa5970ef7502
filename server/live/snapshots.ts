/**
 * Builds every scope's live snapshot from one tick's query results: the additive figures per
 * micro-grid are summed up the registry tree in memory (one pass), the percentiles come
 * per scope from the grouping-sets query. No I/O here, so it is unit-testable.
 */
import type { ChildFigures, HexCell, LiveSnapshot, OverdueItem, RankingRow, ReportMix, Scope, StageResponse, TickerItem, TodayFigures, VisitCoverage, WallAlert } from '../contracts/live.ts'
import { RANKING_MIN_VOLUME } from '../contracts/live.ts'
import type { Place } from '../contracts/registry.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import { emptyWindows, type HexRes, type Windows } from './windows.ts'

/** One row of `live_micro_grid`: the day's figures of one micro-grid. */
export interface MicroGridRow extends TodayFigures, ReportMix {
  micro_grid: string
  hours: number[]
  /** The same figures at the same time yesterday. */
  yday: TodayFigures
}

type Stage = 'verify' | 'dispatch' | 'resolve' | 'close'
export const STAGES: readonly Stage[] = ['verify', 'dispatch', 'resolve', 'close']

/** One row of `live_response`: codes are '' where the grouping set left them out. */
export type ResponseRow = { district: string; street: string; community: string } & Record<Stage, [number, number] | number[]> &
  Record<`${Stage}_n`, number> &
  Partial<Record<`${Stage}_on_time` | `${Stage}_sla`, number>>

export interface TickInput {
  registry: Registry
  microGrids: MicroGridRow[]
  response: ResponseRow[]
  ticker: ReadonlyArray<TickerItem & { scopes: readonly Scope[] }>
  /** Overdue open reports, most overdue first, each with the scopes it shows in. */
  overdue?: ReadonlyArray<OverdueItem & { scopes: readonly Scope[] }>
  /** The 7-day figures, hexes and baselines (windows.ts); empty until first read. */
  windows?: Windows
  /** An H3 cell's boundary ring, when known. */
  ring?: (cell: string) => number[] | undefined
  /** Visit coverage per place code (city, district, street, community, grid). */
  visits?: ReadonlyMap<string, VisitCoverage>
  /** Emergencies and spikes, newest first, each with the scopes it shows in. */
  alerts?: ReadonlyArray<WallAlert & { scopes: readonly Scope[] }>
  asOf: number
  day: string
  tz: string
}

type Acc = TodayFigures & ReportMix & { hours: number[]; yday: TodayFigures }

const zeroFigures = (): TodayFigures => ({ reported: 0, verified: 0, dispatched: 0, resolved: 0, closed: 0, rejected: 0, open: 0, overdue: 0 })
const FIGURES = Object.keys(zeroFigures()) as Array<keyof TodayFigures>
const zeroAcc = (): Acc => ({ ...zeroFigures(), hours: new Array<number>(24).fill(0), yday: zeroFigures(), categories: {}, channels: {}, mobile: 0 })

/** A place's last 7 days, summed from its micro-grids. */
interface WeekAcc {
  reported: number
  resolved: number
  onTime: number
  hours: number[]
}
const zeroWeek = (): WeekAcc => ({ reported: 0, resolved: 0, onTime: 0, hours: new Array<number>(24).fill(0) })

/** H3 resolution of each scope's hex layer: about a dozen to a few hundred cells per map. */
export const HEX_RES: Record<'city' | 'district' | 'street' | 'community', HexRes> = { city: 7, district: 8, street: 9, community: 10 }
/** Alerts listed per scope. */
export const ALERT_LIST = 6

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const k in from) into[k] = (into[k] ?? 0) + Number(from[k])
}

const SCOPE_LEVELS = new Set(['district', 'street', 'community'])
const CHILD_LEVEL = { city: 'district', district: 'street', street: 'community', community: 'grid' } as const

export function scopeOf(p: Place): Scope | undefined {
  if (p.level === 'city') return 'city'
  if (SCOPE_LEVELS.has(p.level)) return `${p.level}:${p.code}` as Scope
  return undefined
}

/** A place and its parents as scopes, outermost first (city … the place), for breadcrumbs. */
export function scopePath(registry: Registry, code: string): Array<{ scope: Scope; name: string; nameEn: string }> {
  return registry
    .ancestors(code)
    .reverse()
    .flatMap((p) => {
      const s = scopeOf(p)
      return s ? [{ scope: s, name: p.name, nameEn: p.nameEn }] : []
    })
}

/** The live scopes a micro-grid's events show up in: city, its district, street, community. */
export function scopesOfMicroGrid(registry: Registry, microGrid: string): Scope[] {
  const out: Scope[] = []
  for (const p of registry.ancestors(microGrid)) {
    const s = scopeOf(p)
    if (s) out.push(s)
  }
  return out.reverse()
}

function round1(x: number): number {
  return Math.round(x * 10) / 10
}

function percentiles(row: ResponseRow | undefined, stage: Stage): StageResponse {
  const n = row ? Number(row[`${stage}_n`]) : 0
  if (!row || n === 0) return { n: 0 }
  const q = row[stage]
  const p50 = Number(q[0])
  const p90 = Number(q[1])
  const out: StageResponse = Number.isFinite(p50) && Number.isFinite(p90) ? { p50: round1(p50), p90: round1(p90), n } : { n }
  const onTime = row[`${stage}_on_time`]
  const sla = row[`${stage}_sla`]
  if (onTime !== undefined) out.onTime = Number(onTime)
  if (sla !== undefined && Number.isFinite(Number(sla))) out.slaMin = round1(Number(sla))
  return out
}

const per100 = (n: number, households: number, digits: number) => (households > 0 ? Math.round((n * 100 * 10 ** digits) / households) / 10 ** digits : 0)

/**
 * The fair ranking: units that resolved at least RANKING_MIN_VOLUME reports in 7 days, by
 * on-time rate (best first), ties by fewer overdue per 100 households; then the rest, unranked,
 * by reports per 100 households.
 */
export function rankChildren(rows: Array<Omit<RankingRow, 'rank'>>): RankingRow[] {
  const rate = (r: Omit<RankingRow, 'rank'>) => r.onTime7d / r.resolved7d
  const ranked = rows.filter((r) => r.resolved7d >= RANKING_MIN_VOLUME).sort((a, b) => rate(b) - rate(a) || a.overduePer100 - b.overduePer100 || a.code.localeCompare(b.code))
  const rest = rows.filter((r) => r.resolved7d < RANKING_MIN_VOLUME).sort((a, b) => b.per100 - a.per100 || a.code.localeCompare(b.code))
  // Equal records share a rank (1, 2, 2, 4), so the order of ties says nothing.
  let prev: Omit<RankingRow, 'rank'> | undefined
  let prevRank = 0
  const out: RankingRow[] = ranked.map((r, i) => {
    const rank = prev && rate(prev) === rate(r) && prev.overduePer100 === r.overduePer100 ? prevRank : i + 1
    prev = r
    prevRank = rank
    return { ...r, rank }
  })
  return [...out, ...rest]
}

/** Every scope's snapshot (without `seq`, which the hub owns). */
export function buildSnapshots(input: TickInput): Map<Scope, Omit<LiveSnapshot, 'seq'>> {
  const { registry } = input
  const acc = new Map<string, Acc>()
  for (const row of input.microGrids) {
    for (const place of registry.ancestors(row.micro_grid)) {
      let a = acc.get(place.code)
      if (!a) acc.set(place.code, (a = zeroAcc()))
      for (const f of FIGURES) {
        a[f] += Number(row[f])
        a.yday[f] += Number(row.yday[f])
      }
      addCounts(a.categories, row.categories)
      addCounts(a.channels, row.channels)
      a.mobile += Number(row.mobile)
      row.hours.forEach((n, h) => {
        if (h < 24) a.hours[h]! += Number(n)
      })
    }
  }

  const { week, hexes } = windowFigures(registry, input.windows ?? emptyWindows(), input.ring)

  const alertsBy = new Map<Scope, WallAlert[]>()
  for (const it of input.alerts ?? []) {
    const { scopes, ...alert } = it
    for (const sc of scopes) {
      let list = alertsBy.get(sc)
      if (!list) alertsBy.set(sc, (list = []))
      if (list.length < ALERT_LIST) list.push(alert)
    }
  }

  const responseBy = new Map<string, ResponseRow>()
  for (const r of input.response) responseBy.set(r.community || r.street || r.district || '', r)

  const overdueBy = new Map<Scope, OverdueItem[]>()
  for (const it of input.overdue ?? []) {
    const { scopes, ...item } = it
    for (const sc of scopes) {
      let list = overdueBy.get(sc)
      if (!list) overdueBy.set(sc, (list = []))
      if (list.length < OVERDUE_LIST) list.push(item)
    }
  }

  const asOf = new Date(input.asOf).toISOString()
  const out = new Map<Scope, Omit<LiveSnapshot, 'seq'>>()
  for (const place of registry.places) {
    const scope = scopeOf(place)
    if (!scope) continue
    const a = acc.get(place.code) ?? zeroAcc()
    const childLevel = CHILD_LEVEL[place.level as keyof typeof CHILD_LEVEL]
    const children: ChildFigures[] = []
    const heatmap: Record<string, number[]> = {}
    const heatmap7d: Record<string, number[]> = {}
    const ranking: Array<Omit<RankingRow, 'rank'>> = []
    for (const c of registry.children(place.code)) {
      const ca = acc.get(c.code) ?? zeroAcc()
      const cw = week.get(c.code) ?? zeroWeek()
      heatmap7d[c.code] = cw.hours
      const cv = input.visits?.get(c.code)
      const row: Omit<RankingRow, 'rank'> = {
        code: c.code,
        name: c.name,
        nameEn: c.nameEn,
        households: c.households,
        reported7d: cw.reported,
        per100: per100(cw.reported, c.households, 1),
        resolved7d: cw.resolved,
        onTime7d: cw.onTime,
        overdue: ca.overdue,
        overduePer100: per100(ca.overdue, c.households, 2),
      }
      if (cv && cv.keyHouseholds > 0) row.coverage = Math.min(1, Math.round((cv.visited7d / cv.keyHouseholds) * 1000) / 1000)
      ranking.push(row)
      children.push({
        code: c.code,
        name: c.name,
        nameEn: c.nameEn,
        reported: ca.reported,
        resolved: ca.resolved,
        open: ca.open,
        overdue: ca.overdue,
        households: c.households,
      })
      heatmap[c.code] = ca.hours
    }
    const resp = responseBy.get(place.level === 'city' ? '' : place.code)
    const hexRes = HEX_RES[place.level as keyof typeof HEX_RES]
    const path = scopePath(registry, place.code)
    out.set(scope, {
      scope,
      asOf,
      day: input.day,
      tz: input.tz,
      name: place.name,
      nameEn: place.nameEn,
      path,
      today: Object.fromEntries(FIGURES.map((f) => [f, a[f]])) as unknown as TodayFigures,
      yesterday: a.yday,
      response: {
        verify: percentiles(resp, 'verify'),
        dispatch: percentiles(resp, 'dispatch'),
        resolve: percentiles(resp, 'resolve'),
        close: percentiles(resp, 'close'),
      },
      childLevel,
      children,
      heatmap,
      heatmap7d,
      ranking: rankChildren(ranking),
      hexRes,
      hexes: hexes.get(place.code) ?? {},
      visits: input.visits?.get(place.code) ?? { keyHouseholds: place.keyHouseholds, visited7d: 0, dueCount: 0, due: [] },
      alerts: alertsBy.get(scope) ?? [],
      ticker: tickerFor(input.ticker, scope),
      mix: { categories: a.categories, channels: a.channels, mobile: a.mobile },
      overdueList: overdueBy.get(scope) ?? [],
    })
  }
  return out
}

export const TICKER_LENGTH = 20
/** Overdue reports listed per scope. */
export const OVERDUE_LIST = 10

interface WindowSums {
  registry: Registry
  week: Map<string, WeekAcc>
  /** Each scope's cells at its own resolution (HEX_RES), with their rings. */
  hexes: Map<string, Record<string, HexCell>>
}

/** The window figures change once a minute, ticks come every 250 ms: sum them up the tree once per read. */
const windowSums = new WeakMap<Windows, WindowSums>()

function windowFigures(registry: Registry, windows: Windows, ring: TickInput['ring']): WindowSums {
  const cached = windowSums.get(windows)
  if (cached && cached.registry === registry) return cached
  const week = new Map<string, WeekAcc>()
  for (const [mg, w] of windows.week) {
    for (const place of registry.ancestors(mg)) {
      let a = week.get(place.code)
      if (!a) week.set(place.code, (a = zeroWeek()))
      a.reported += w.reported
      a.resolved += w.resolved
      a.onTime += w.onTime
      w.hours.forEach((n, h) => (a.hours[h]! += n))
    }
  }
  const hexes = new Map<string, Record<string, HexCell>>()
  for (const h of windows.hexes) {
    for (const place of registry.ancestors(h.microGrid)) {
      const res = HEX_RES[place.level as keyof typeof HEX_RES]
      if (res === undefined) continue
      const id = h.cells[res]
      const r = ring?.(id)
      // A cell whose shape is not known yet is drawn after the next read, not at a guessed place.
      if (!r) continue
      let cells = hexes.get(place.code)
      if (!cells) hexes.set(place.code, (cells = {}))
      const c = cells[id]
      if (c) {
        c.n24 += h.n24
        c.n7 += h.n7
      } else cells[id] = { n24: h.n24, n7: h.n7, ring: r }
    }
  }
  const sums = { registry, week, hexes }
  windowSums.set(windows, sums)
  return sums
}

function tickerFor(items: TickInput['ticker'], scope: Scope): TickerItem[] {
  const out: TickerItem[] = []
  for (let i = items.length - 1; i >= 0 && out.length < TICKER_LENGTH; i--) {
    const it = items[i]!
    if (it.scopes.includes(scope)) {
      const { scopes: _omit, ...item } = it
      out.push(item)
    }
  }
  return out
}
