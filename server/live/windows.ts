/**
 * The wall's wider-window figures — the last 7 days per micro-grid and hour, reports per H3
 * cell, the usual level of each category per community (for spike alerts) — read from the
 * store about once a minute, not every tick: they change slowly and their queries scan a
 * week or a month of events. The per-tick figures (today, open, overdue) stay in memory
 * (reports.ts). `loadWindows` does the I/O; everything else here is pure.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { chTime, sql } from '../../sql/queries.ts'
import type { SlaTable } from '../sla.ts'

const DAY = 86_400_000
/** Days behind the usual level of a category in a community. */
export const BASELINE_DAYS = 28
/** With less history than this, nothing is "usual" yet: no spike alerts (emergencies still are). */
export const MIN_BASELINE_DAYS = 7

/** One micro-grid's last 7 days. */
export interface WeekRow {
  reported: number
  resolved: number
  onTime: number
  /** Reports per local hour of day (0–23). */
  hours: number[]
}

/** Reports of one micro-grid in one H3 cell at resolution 10, with its parents' ids. */
export interface HexRow {
  microGrid: string
  /** Cell ids by resolution: 7, 8, 9, 10. */
  cells: Record<HexRes, string>
  n24: number
  n7: number
}

export type HexRes = 7 | 8 | 9 | 10

export interface Windows {
  /** When they were read (app clock). */
  at: number
  week: Map<string, WeekRow>
  hexes: HexRow[]
  /** `${community}|${category}` → reports in the BASELINE_DAYS before the last 24 hours. */
  baseline: Map<string, number>
  /** Days of history behind `baseline` (fewer than BASELINE_DAYS in a young store). */
  baselineDays: number
}

export const emptyWindows = (): Windows => ({ at: 0, week: new Map(), hexes: [], baseline: new Map(), baselineDays: 0 })

type Num = number | string

export async function loadWindows(reader: ClickHouseClient, now: number, tz: string, sla: SlaTable): Promise<Windows> {
  const rows = async <T>(name: 'live_week' | 'live_hexes' | 'live_spike_baseline', params: Record<string, unknown>) =>
    (await reader.query({ query: sql(name), query_params: params, format: 'JSONEachRow' })).json<T>()
  const until = chTime(now)
  const weekRows = await rows<{ micro_grid: string; hour: Num; reported_n: Num; resolved_n: Num; on_time: Num }>('live_week', {
    since: chTime(now - 7 * DAY),
    until,
    tz,
    categories: sla.categories,
    resolve_min: sla.resolveMin,
    default_resolve_min: sla.defaultResolveMin,
  })
  const hexRows = await rows<{ micro_grid: string; c10: string; c9: string; c8: string; c7: string; n24: Num; n7: Num }>('live_hexes', {
    since7: chTime(now - 7 * DAY),
    since24: chTime(now - DAY),
    until,
  })
  const baseRows = await rows<{ community: string; category: string; n: Num; first_ms: string }>('live_spike_baseline', {
    since: chTime(now - (BASELINE_DAYS + 1) * DAY),
    until: chTime(now - DAY),
  })

  const week = new Map<string, WeekRow>()
  for (const r of weekRows) {
    let w = week.get(r.micro_grid)
    if (!w) week.set(r.micro_grid, (w = { reported: 0, resolved: 0, onTime: 0, hours: new Array<number>(24).fill(0) }))
    const hour = Number(r.hour)
    w.reported += Number(r.reported_n)
    w.resolved += Number(r.resolved_n)
    w.onTime += Number(r.on_time)
    if (hour >= 0 && hour < 24) w.hours[hour]! += Number(r.reported_n)
  }
  const hexes = hexRows.map((r) => ({ microGrid: r.micro_grid, cells: { 7: r.c7, 8: r.c8, 9: r.c9, 10: r.c10 }, n24: Number(r.n24), n7: Number(r.n7) }))
  const baseline = new Map(baseRows.map((r) => [`${r.community}|${r.category}`, Number(r.n)]))
  const first = baseRows.length > 0 ? Number(baseRows[0]!.first_ms) : now - DAY
  const baselineDays = Math.max(0, Math.min(BASELINE_DAYS, (now - DAY - first) / DAY))
  return { at: now, week, hexes, baseline, baselineDays }
}

/**
 * Boundary rings of H3 cells, read from the engine once per cell and kept: a cell's shape never
 * changes, and a wall draws the same few hundred cells all day. Bounded, oldest dropped first.
 */
export class HexRings {
  private readonly rings = new Map<string, number[]>()

  constructor(private readonly max = 50_000) {}

  get(cell: string): number[] | undefined {
    return this.rings.get(cell)
  }

  /** Reads the rings of the cells not known yet; beyond the bound, forgets cells this read does not use. */
  async load(reader: ClickHouseClient, cells: Iterable<string>): Promise<void> {
    const wanted = new Set(cells)
    const missing = [...wanted].filter((c) => !this.rings.has(c))
    for (let i = 0; i < missing.length; i += 5_000) {
      const rs = await reader.query({ query: sql('h3_rings'), query_params: { cells: missing.slice(i, i + 5_000) }, format: 'JSONEachRow' })
      for (const r of await rs.json<{ cell: string; ring: Array<[number, number]> }>()) {
        // The engine gives (lat, lon); GeoJSON and ECharts want lon first.
        this.rings.set(r.cell, r.ring.flatMap(([lat, lon]) => [round5(lon), round5(lat)]))
      }
    }
    if (this.rings.size > this.max) for (const c of this.rings.keys()) if (!wanted.has(c)) this.rings.delete(c)
  }
}

function round5(x: number): number {
  return Math.round(x * 1e5) / 1e5
}
