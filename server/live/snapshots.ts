/**
 * Builds every scope's live snapshot from one tick's query results: the additive figures per
 * micro-grid are summed up the registry tree in memory (one pass), the percentiles come
 * per scope from the grouping-sets query. No I/O here, so it is unit-testable.
 */
import type { ChildFigures, LiveSnapshot, OverdueItem, Percentiles, ReportMix, Scope, TickerItem, TodayFigures } from '../contracts/live.ts'
import type { Place } from '../contracts/registry.ts'
import type { Registry } from '../../ingest/registry/registry.ts'

/** One row of `live_micro_grid`: the day's figures of one micro-grid. */
export interface MicroGridRow extends TodayFigures, ReportMix {
  micro_grid: string
  hours: number[]
  yday_reported: number
  yday_resolved: number
}

type Stage = 'verify' | 'dispatch' | 'resolve' | 'close'
export const STAGES: readonly Stage[] = ['verify', 'dispatch', 'resolve', 'close']

/** One row of `live_response`: codes are '' where the grouping set left them out. */
export type ResponseRow = { district: string; street: string; community: string } & Record<Stage, [number, number] | number[]> &
  Record<`${Stage}_n`, number>

export interface TickInput {
  registry: Registry
  microGrids: MicroGridRow[]
  response: ResponseRow[]
  ticker: ReadonlyArray<TickerItem & { scopes: readonly Scope[] }>
  /** Overdue open reports, most overdue first, each with the scopes it shows in. */
  overdue?: ReadonlyArray<OverdueItem & { scopes: readonly Scope[] }>
  asOf: number
  day: string
  tz: string
}

type Acc = TodayFigures & ReportMix & { hours: number[]; ydayReported: number; ydayResolved: number }

const zeroAcc = (): Acc => ({
  reported: 0,
  verified: 0,
  dispatched: 0,
  resolved: 0,
  closed: 0,
  rejected: 0,
  open: 0,
  overdue: 0,
  hours: new Array<number>(24).fill(0),
  ydayReported: 0,
  ydayResolved: 0,
  categories: {},
  channels: {},
  mobile: 0,
})

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

function percentiles(row: ResponseRow | undefined, stage: Stage): Percentiles {
  const n = row ? Number(row[`${stage}_n`]) : 0
  if (!row || n === 0) return { n: 0 }
  const q = row[stage]
  const p50 = Number(q[0])
  const p90 = Number(q[1])
  return Number.isFinite(p50) && Number.isFinite(p90) ? { p50: round1(p50), p90: round1(p90), n } : { n }
}

/** Every scope's snapshot (without `seq`, which the hub owns). */
export function buildSnapshots(input: TickInput): Map<Scope, Omit<LiveSnapshot, 'seq'>> {
  const { registry } = input
  const acc = new Map<string, Acc>()
  for (const row of input.microGrids) {
    for (const place of registry.ancestors(row.micro_grid)) {
      let a = acc.get(place.code)
      if (!a) acc.set(place.code, (a = zeroAcc()))
      a.reported += Number(row.reported)
      a.verified += Number(row.verified)
      a.dispatched += Number(row.dispatched)
      a.resolved += Number(row.resolved)
      a.closed += Number(row.closed)
      a.rejected += Number(row.rejected)
      a.open += Number(row.open)
      a.overdue += Number(row.overdue)
      a.ydayReported += Number(row.yday_reported)
      a.ydayResolved += Number(row.yday_resolved)
      addCounts(a.categories, row.categories)
      addCounts(a.channels, row.channels)
      a.mobile += Number(row.mobile)
      row.hours.forEach((n, h) => {
        if (h < 24) a.hours[h]! += Number(n)
      })
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
    for (const c of registry.children(place.code)) {
      const ca = acc.get(c.code) ?? zeroAcc()
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
    const path = registry
      .ancestors(place.code)
      .reverse()
      .flatMap((p) => {
        const s = scopeOf(p)
        return s ? [{ scope: s, name: p.name, nameEn: p.nameEn }] : []
      })
    out.set(scope, {
      scope,
      asOf,
      day: input.day,
      tz: input.tz,
      name: place.name,
      nameEn: place.nameEn,
      path,
      today: {
        reported: a.reported,
        verified: a.verified,
        dispatched: a.dispatched,
        resolved: a.resolved,
        closed: a.closed,
        rejected: a.rejected,
        open: a.open,
        overdue: a.overdue,
      },
      yesterday: { reported: a.ydayReported, resolved: a.ydayResolved },
      response: {
        verify: percentiles(resp, 'verify'),
        dispatch: percentiles(resp, 'dispatch'),
        resolve: percentiles(resp, 'resolve'),
        close: percentiles(resp, 'close'),
      },
      childLevel,
      children,
      heatmap,
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
