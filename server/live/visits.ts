/**
 * Key-population visit coverage for the live wall: the weekly-visit rule (每周巡访, every
 * key-population household visited at least weekly), measured. `loadVisitRows` reads the store
 * (live_visits.sql, live_visits_due.sql); `visitCoverage` is pure: it sums the micro-grid counts
 * up the registry's tree and keeps each place's most overdue households.
 *
 * A household is placed at the micro-grid of its latest visit in the last VISIT_HORIZON_MS, so
 * one that moved counts once, where it lives now. It is visited when that visit is at most
 * VISIT_WEEK_MS old, due when it is older; a household not seen for VISIT_HORIZON_MS is in
 * neither figure (visit logs are the only list of households the store has).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Registry } from '../../ingest/registry/registry.ts'
import { VISIT_DUE_LIST, type VisitCoverage, type VisitDue } from '../contracts/live.ts'
import { chTime, sql } from '../../sql/queries.ts'

const DAY_MS = 86_400_000
/** The weekly rule: a household visited within this is covered. */
export const VISIT_WEEK_MS = 7 * DAY_MS
/** How far back the due list looks: a household unseen for longer has left its horizon. */
export const VISIT_HORIZON_MS = 60 * DAY_MS

/** Households of one micro-grid (placed at their latest visit): visited in 7 days, and due. */
export interface VisitCountRow {
  microGrid: string
  visited: number
  due: number
}

/** A household due for a visit: where and when it was last visited, and its groups (union over its visits). */
export interface VisitDueRow {
  household: string
  microGrid: string
  community: string
  /** ms since epoch. */
  lastAt: number
  groups: string[]
}

export interface VisitRows {
  microGrids: VisitCountRow[]
  /** The longest-unvisited VISIT_DUE_LIST due households per community, most overdue first. */
  due: VisitDueRow[]
}

/**
 * Reads the visit figures at `now` (the hub's clock): the counts per micro-grid and the most
 * overdue households per community. Two reads, one after the other (a chdb connection runs one
 * query at a time); a visit stored between them can make a list and its count disagree by one
 * household until the next read.
 */
export async function loadVisitRows(reader: ClickHouseClient, now: number): Promise<VisitRows> {
  const params = { since7: chTime(now - VISIT_WEEK_MS), since60: chTime(now - VISIT_HORIZON_MS), until: chTime(now) }
  const counts = await (
    await reader.query({ query: sql('live_visits'), query_params: params, format: 'JSONEachRow' })
  ).json<{ micro_grid: string; visited: number | string; due: number | string }>()
  const due = await (
    await reader.query({ query: sql('live_visits_due'), query_params: { ...params, n: VISIT_DUE_LIST }, format: 'JSONEachRow' })
  ).json<{ household: string; micro_grid: string; community: string; last_at_ms: string | number; groups: string[] }>()
  return {
    microGrids: counts.map((r) => ({ microGrid: r.micro_grid, visited: Number(r.visited), due: Number(r.due) })),
    due: due.map((r) => ({ household: r.household, microGrid: r.micro_grid, community: r.community, lastAt: Number(r.last_at_ms), groups: r.groups })),
  }
}

/**
 * Visit coverage of every place above micro-grid level (city, districts, streets, communities,
 * grids), by place code; places without visits have zeros. `keyHouseholds` is the sum over the
 * place's micro-grids, the same ground the visits are counted on. Each `due` list holds the
 * place's most overdue households (at most VISIT_DUE_LIST, most overdue first; ties by
 * household id). `rows.due` holds a community's most overdue only, which is every list a
 * community or anything above it needs; a grid's list is the part of its community's that lies
 * in the grid, so it is its most overdue too but may be shorter than its `dueCount` allows.
 * Micro-grids the registry no longer has are left out: they have no key households to cover.
 */
export function visitCoverage(registry: Registry, rows: VisitRows, now: number): Map<string, VisitCoverage> {
  const out = new Map<string, VisitCoverage>()
  for (const p of registry.places) if (p.level !== 'micro_grid') out.set(p.code, { keyHouseholds: 0, visited7d: 0, dueCount: 0, due: [] })

  const chains = new Map<string, VisitCoverage[]>()
  /** The coverage entries of a micro-grid's ancestors, innermost first; empty for an unknown micro-grid. */
  const above = (microGrid: string): VisitCoverage[] => {
    let chain = chains.get(microGrid)
    if (!chain) {
      chain = []
      if (registry.microGridPath(microGrid)) {
        for (const p of registry.ancestors(microGrid).slice(1)) {
          const c = out.get(p.code)
          if (c) chain.push(c)
        }
      }
      chains.set(microGrid, chain)
    }
    return chain
  }

  for (const p of registry.places) {
    if (p.level !== 'micro_grid' || p.keyHouseholds === 0) continue
    for (const c of above(p.code)) c.keyHouseholds += p.keyHouseholds
  }
  for (const r of rows.microGrids) {
    for (const c of above(r.microGrid)) {
      c.visited7d += r.visited
      c.dueCount += r.due
    }
  }

  // A household is listed once, at its latest visit (where it lives now), whatever the rows say.
  const latest = new Map<string, VisitDueRow>()
  for (const r of rows.due) {
    const seen = latest.get(r.household)
    if (!seen || r.lastAt > seen.lastAt) latest.set(r.household, r)
  }
  const ordered = [...latest.values()].sort((a, b) => a.lastAt - b.lastAt || (a.household < b.household ? -1 : a.household > b.household ? 1 : 0))
  for (const r of ordered) {
    const chain = above(r.microGrid).filter((c) => c.due.length < VISIT_DUE_LIST)
    if (chain.length === 0) continue
    const item: VisitDue = {
      household: r.household,
      microGrid: r.microGrid,
      place: registry.displayPath(r.microGrid, 'zh'),
      placeEn: registry.displayPath(r.microGrid, 'en'),
      lastAt: new Date(r.lastAt).toISOString(),
      days: Math.floor((now - r.lastAt) / DAY_MS),
      groups: r.groups,
    }
    for (const c of chain) c.due.push(item)
  }
  return out
}
