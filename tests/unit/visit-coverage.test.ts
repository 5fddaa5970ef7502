/**
 * Key-population visit coverage from the store's rows (server/live/visits.ts, visitCoverage):
 * sums up the tree, the due lists (order, cap, whole days), a household listed once at its
 * latest visit, places without key households.
 * Fixture: a small registry (below); "now" is 2026-11-24 12:00 UTC; rows written by hand.
 */
import { describe, expect, it } from 'vitest'
import { Registry } from '../../ingest/registry/registry.ts'
import { registryFromCsv } from '../../ingest/registry/csv.ts'
import type { Place } from '../../server/contracts/registry.ts'
import { VISIT_DUE_LIST } from '../../server/contracts/live.ts'
import { visitCoverage, type VisitCountRow, type VisitDueRow } from '../../server/live/visits.ts'

// City cd → districts a, b → streets a.s1, b.s2 → communities a.s1.c1, a.s1.c2, b.s2.c3 → grids →
// micro-grids with key households 10, 6, 8 (community c1), 0 (c2) and 12 (c3).
const CSV = [
  'code,level,parent,name,name_en,households,key_households,lat,lon',
  'cd,city,,成都,Chengdu,,,30,104',
  'a,district,cd,甲区,District A,,,30,104',
  'b,district,cd,乙区,District B,,,30,104',
  'a.s1,street,a,一街道,Street 1,,,30,104',
  'b.s2,street,b,二街道,Street 2,,,30,104',
  'a.s1.c1,community,a.s1,一社区,Community 1,,,30,104',
  'a.s1.c2,community,a.s1,二社区,Community 2,,,30,104',
  'b.s2.c3,community,b.s2,三社区,Community 3,,,30,104',
  'a.s1.c1.g1,grid,a.s1.c1,第1网格,Grid 1,,,30,104',
  'a.s1.c1.g2,grid,a.s1.c1,第2网格,Grid 2,,,30,104',
  'a.s1.c2.g1,grid,a.s1.c2,第1网格,Grid 1,,,30,104',
  'b.s2.c3.g1,grid,b.s2.c3,第1网格,Grid 1,,,30,104',
  'a.s1.c1.g1.m1,micro_grid,a.s1.c1.g1,第1-1微网格,MG 1-1,60,10,30,104',
  'a.s1.c1.g1.m2,micro_grid,a.s1.c1.g1,第1-2微网格,MG 1-2,50,6,30,104',
  'a.s1.c1.g2.m1,micro_grid,a.s1.c1.g2,第2-1微网格,MG 2-1,70,8,30,104',
  'a.s1.c2.g1.m1,micro_grid,a.s1.c2.g1,第1-1微网格,MG 1-1,40,0,30,104',
  'b.s2.c3.g1.m1,micro_grid,b.s2.c3.g1,第1-1微网格,MG 1-1,90,12,30,104',
].join('\n')
const registry = new Registry(registryFromCsv(CSV))
const ABOVE_MICRO = ['cd', 'a', 'b', 'a.s1', 'b.s2', 'a.s1.c1', 'a.s1.c2', 'b.s2.c3', 'a.s1.c1.g1', 'a.s1.c1.g2', 'a.s1.c2.g1', 'b.s2.c3.g1']

const DAY = 86_400_000
const now = Date.parse('2026-11-24T12:00:00Z')

function due(household: string, microGrid: string, daysAgo: number, groups: string[] = ['elderly']): VisitDueRow {
  const community = registry.microGridPath(microGrid)?.community ?? ''
  return { household, microGrid, community, lastAt: now - daysAgo * DAY, groups }
}

const counts: VisitCountRow[] = [
  { microGrid: 'a.s1.c1.g1.m1', visited: 7, due: 2 },
  { microGrid: 'a.s1.c1.g1.m2', visited: 4, due: 1 },
  { microGrid: 'a.s1.c1.g2.m1', visited: 8, due: 0 },
  { microGrid: 'b.s2.c3.g1.m1', visited: 5, due: 3 },
]

describe('visit coverage from the rows of the store', () => {
  it('has an entry for every place above micro-grid level, and none for micro-grids', () => {
    const cov = visitCoverage(registry, { microGrids: [], due: [] }, now)
    expect([...cov.keys()].sort()).toEqual([...ABOVE_MICRO].sort())
    expect(cov.get('a.s1.c2')).toEqual({ keyHouseholds: 0, visited7d: 0, dueCount: 0, due: [] })
  })

  it('sums visited and due households and key households up to grids, communities, streets, districts and the city', () => {
    const cov = visitCoverage(registry, { microGrids: counts, due: [] }, now)
    const figures = (code: string) => {
      const c = cov.get(code)!
      return [c.keyHouseholds, c.visited7d, c.dueCount]
    }
    expect(figures('a.s1.c1.g1')).toEqual([16, 11, 3])
    expect(figures('a.s1.c1.g2')).toEqual([8, 8, 0])
    expect(figures('a.s1.c1')).toEqual([24, 19, 3])
    expect(figures('a.s1')).toEqual([24, 19, 3])
    expect(figures('a')).toEqual([24, 19, 3])
    expect(figures('b.s2.c3')).toEqual([12, 5, 3])
    expect(figures('b')).toEqual([12, 5, 3])
    expect(figures('cd')).toEqual([36, 24, 6])
    // The denominators agree with the registry's own sums (the CSV import sums upwards).
    for (const code of ABOVE_MICRO) expect(cov.get(code)!.keyHouseholds).toBe(registry.byCode.get(code)!.keyHouseholds)
  })

  it('takes key households from the micro-grids when the places above do not carry them', () => {
    const bare: Place[] = registryFromCsv(CSV).map((p) => (p.level === 'micro_grid' ? p : { ...p, households: 0, keyHouseholds: 0 }))
    const cov = visitCoverage(new Registry(bare), { microGrids: counts, due: [] }, now)
    expect(cov.get('cd')!.keyHouseholds).toBe(36)
    expect(cov.get('a.s1.c1.g1')!.keyHouseholds).toBe(16)
  })

  it('counts visits in a place without key households, and leaves its key households at 0', () => {
    const cov = visitCoverage(registry, { microGrids: [{ microGrid: 'a.s1.c2.g1.m1', visited: 2, due: 1 }], due: [due('H-z', 'a.s1.c2.g1.m1', 9)] }, now)
    const c2 = cov.get('a.s1.c2')!
    expect(c2.keyHouseholds).toBe(0)
    expect(c2.visited7d).toBe(2)
    expect(c2.dueCount).toBe(1)
    expect(c2.due.map((d) => d.household)).toEqual(['H-z'])
    expect(cov.get('a.s1')!.keyHouseholds).toBe(24)
  })

  it('ignores rows of micro-grids the registry does not have', () => {
    const cov = visitCoverage(registry, { microGrids: [{ microGrid: 'gone.m1', visited: 9, due: 9 }], due: [due('H-gone', 'gone.m1', 20)] }, now)
    expect(cov.get('cd')).toEqual({ keyHouseholds: 36, visited7d: 0, dueCount: 0, due: [] })
  })

  it('lists each place its most overdue households first, ties by household id, at most VISIT_DUE_LIST', () => {
    // 14 due households: c1 gets 8, c3 gets 6; ages 8–21 days, two of them tied at 15.
    const rows: VisitDueRow[] = []
    for (let i = 0; i < 14; i++) rows.push(due(`H-${String(i).padStart(2, '0')}`, i < 8 ? (i % 2 ? 'a.s1.c1.g1.m1' : 'a.s1.c1.g2.m1') : 'b.s2.c3.g1.m1', 8 + i))
    rows.push(due('H-07b', 'a.s1.c1.g1.m1', 15))
    const shuffled = [rows[3]!, ...rows.slice(9, 14), rows[14]!, ...rows.slice(0, 3), ...rows.slice(4, 9)]
    const cov = visitCoverage(registry, { microGrids: [], due: shuffled }, now)

    const city = cov.get('cd')!.due
    expect(VISIT_DUE_LIST).toBe(10)
    expect(city).toHaveLength(VISIT_DUE_LIST)
    expect(city.map((d) => d.household)).toEqual(['H-13', 'H-12', 'H-11', 'H-10', 'H-09', 'H-08', 'H-07', 'H-07b', 'H-06', 'H-05'])
    expect(city.map((d) => d.days)).toEqual([21, 20, 19, 18, 17, 16, 15, 15, 14, 13])
    expect(cov.get('a.s1.c1')!.due.map((d) => d.household)).toEqual(['H-07', 'H-07b', 'H-06', 'H-05', 'H-04', 'H-03', 'H-02', 'H-01', 'H-00'])
    expect(cov.get('a.s1.c1.g1')!.due.map((d) => d.household)).toEqual(['H-07', 'H-07b', 'H-05', 'H-03', 'H-01'])
    expect(cov.get('b.s2.c3')!.due).toHaveLength(6)
    expect(cov.get('a.s1.c2')!.due).toEqual([])
  })

  it('describes a due household: place paths in both languages, last visit, whole days since, groups', () => {
    const lastAt = now - 7 * DAY - 1
    const cov = visitCoverage(registry, { microGrids: [], due: [{ household: 'H-a', microGrid: 'a.s1.c1.g2.m1', community: 'a.s1.c1', lastAt, groups: ['child', 'sick'] }, due('H-b', 'b.s2.c3.g1.m1', 9.99)] }, now)
    expect(cov.get('a')!.due).toEqual([
      { household: 'H-a', microGrid: 'a.s1.c1.g2.m1', place: '一街道 · 一社区 · 第2网格', placeEn: 'Street 1 · Community 1 · Grid 2', lastAt: new Date(lastAt).toISOString(), days: 7, groups: ['child', 'sick'] },
    ])
    expect(cov.get('b')!.due[0]!.days).toBe(9)
    expect(cov.get('cd')!.due.map((d) => d.household)).toEqual(['H-b', 'H-a'])
  })

  it('lists a household seen in two micro-grids once, at its latest visit', () => {
    // Last visited in community c1 20 days ago, then in c3 (where it lives now) 9 days ago.
    const cov = visitCoverage(registry, { microGrids: [], due: [due('H-moved', 'a.s1.c1.g1.m1', 20, ['elderly']), due('H-moved', 'b.s2.c3.g1.m1', 9, ['elderly', 'returnee']), due('H-stay', 'a.s1.c1.g1.m2', 12)] }, now)
    expect(cov.get('cd')!.due.map((d) => [d.household, d.microGrid, d.days])).toEqual([
      ['H-stay', 'a.s1.c1.g1.m2', 12],
      ['H-moved', 'b.s2.c3.g1.m1', 9],
    ])
    expect(cov.get('a.s1.c1')!.due.map((d) => d.household)).toEqual(['H-stay'])
    expect(cov.get('b.s2.c3')!.due[0]!.groups).toEqual(['elderly', 'returnee'])
  })
})
