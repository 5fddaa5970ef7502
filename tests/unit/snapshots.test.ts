import { describe, expect, it } from 'vitest'
import { Registry } from '../../ingest/registry/registry.ts'
import { registryFromCsv } from '../../ingest/registry/csv.ts'
import { buildSnapshots, OVERDUE_LIST, scopesOfMicroGrid, type MicroGridRow, type ResponseRow } from '../../server/live/snapshots.ts'

// Fixture: one city, two districts; district a has two streets, one with two communities.
const registry = new Registry(
  registryFromCsv(
    [
      'code,level,parent,name,name_en,households,key_households,lat,lon',
      'cd,city,,成都,Chengdu,,,30,104',
      'a,district,cd,甲区,A,,,30,104',
      'b,district,cd,乙区,B,,,30,104',
      'a.s1,street,a,一街道,S1,,,30,104',
      'a.s2,street,a,二街道,S2,,,30,104',
      'b.s3,street,b,三街道,S3,,,30,104',
      'a.s1.c1,community,a.s1,一社区,C1,,,30,104',
      'a.s1.c2,community,a.s1,二社区,C2,,,30,104',
      'a.s2.c3,community,a.s2,三社区,C3,,,30,104',
      'b.s3.c4,community,b.s3,四社区,C4,,,30,104',
      ...['a.s1.c1', 'a.s1.c2', 'a.s2.c3', 'b.s3.c4'].flatMap((c) => [`${c}.g1,grid,${c},第1网格,Grid 1,,,30,104`, `${c}.g1.m1,micro_grid,${c}.g1,第1-1微网格,MG 1-1,50,5,30,104`]),
    ].join('\n'),
  ),
)

function row(mg: string, reported: number, hour: number, extra: Partial<MicroGridRow> = {}): MicroGridRow {
  const hours = new Array(24).fill(0)
  hours[hour] = reported
  return { micro_grid: mg, reported, verified: 0, dispatched: 0, resolved: 0, closed: 0, rejected: 0, open: reported, overdue: 0, hours, yday: { reported: 0, verified: 0, dispatched: 0, resolved: 0, closed: 0, rejected: 0, open: 0, overdue: 0 }, categories: { clutter: reported }, channels: { app: reported }, mobile: 0, ...extra }
}

const response: ResponseRow[] = [
  { district: '', street: '', community: '', verify: [12, 30], verify_n: 4, dispatch: [0, 0], dispatch_n: 0, resolve: [0, 0], resolve_n: 0, close: [0, 0], close_n: 0 },
  { district: '', street: 'a.s1', community: '', verify: [10, 20], verify_n: 2, dispatch: [0, 0], dispatch_n: 0, resolve: [0, 0], resolve_n: 0, close: [0, 0], close_n: 0 },
]

const build = () =>
  buildSnapshots({
    registry,
    microGrids: [row('a.s1.c1.g1.m1', 2, 9, { overdue: 1 }), row('a.s1.c2.g1.m1', 1, 9), row('b.s3.c4.g1.m1', 4, 20, { yday: { reported: 3, verified: 0, dispatched: 0, resolved: 0, closed: 0, rejected: 0, open: 2, overdue: 1 } })],
    response,
    ticker: [],
    asOf: Date.parse('2026-11-23T02:00:00Z'),
    day: '2026-11-23',
    tz: 'Asia/Shanghai',
  })

describe('live snapshots for every scope from one tick', () => {
  it('sums micro-grid figures up to the city, districts, streets and communities', () => {
    const s = build()
    expect(s.get('city')!.today.reported).toBe(7)
    expect(s.get('district:a')!.today.reported).toBe(3)
    expect(s.get('street:a.s1')!.today.overdue).toBe(1)
    expect(s.get('street:a.s2')!.today.reported).toBe(0)
    expect(s.get('community:b.s3.c4')!.yesterday.reported).toBe(3)
  })

  it('lists the children of each scope with their figures and hourly heatmap rows', () => {
    const city = build().get('city')!
    expect(city.childLevel).toBe('district')
    expect(city.children.map((c) => [c.code, c.reported])).toEqual([
      ['a', 3],
      ['b', 4],
    ])
    expect(city.heatmap.a![9]).toBe(3)
    expect(city.heatmap.b![20]).toBe(4)
    expect(build().get('community:a.s1.c1')!.childLevel).toBe('grid')
  })

  it('takes percentiles per scope, and leaves them out when no report finished the stage', () => {
    const s = build()
    expect(s.get('city')!.response.verify).toEqual({ p50: 12, p90: 30, n: 4 })
    expect(s.get('street:a.s1')!.response.verify).toEqual({ p50: 10, p90: 20, n: 2 })
    expect(s.get('street:a.s2')!.response.verify).toEqual({ n: 0 })
  })

  it('gives a breadcrumb path from the city down to the scope', () => {
    expect(build().get('community:a.s1.c2')!.path.map((p) => p.scope)).toEqual(['city', 'district:a', 'street:a.s1', 'community:a.s1.c2'])
  })

  it('sums today\'s mix of categories, channels and mobile reports up the tree', () => {
    const s = build()
    expect(s.get('city')!.mix).toEqual({ categories: { clutter: 7 }, channels: { app: 7 }, mobile: 0 })
    expect(s.get('street:a.s1')!.mix.categories).toEqual({ clutter: 3 })
  })

  it('lists each scope\'s overdue reports, most overdue first, at most OVERDUE_LIST', () => {
    const item = (i: number, mg: string) => ({ reportId: `r${i}`, category: 'clutter', microGrid: mg, place: '', placeEn: '', since: '2026-11-22T00:00:00.000Z', stage: 'resolve' as const, overdueMin: 100 - i, scopes: scopesOfMicroGrid(registry, mg) })
    const overdue = [...Array.from({ length: 12 }, (_, i) => item(i, 'a.s1.c1.g1.m1')), item(50, 'b.s3.c4.g1.m1')]
    const s = buildSnapshots({ registry, microGrids: [], response: [], ticker: [], overdue, asOf: 0, day: '2026-11-23', tz: 'Asia/Shanghai' })
    expect(s.get('street:a.s1')!.overdueList.map((o) => o.reportId)).toEqual(Array.from({ length: OVERDUE_LIST }, (_, i) => `r${i}`))
    expect(s.get('district:b')!.overdueList.map((o) => o.reportId)).toEqual(['r50'])
    expect(s.get('street:a.s2')!.overdueList).toEqual([])
    expect(s.get('city')!.overdueList[0]).not.toHaveProperty('scopes')
  })

  it('knows which scopes a micro-grid belongs to', () => {
    expect(scopesOfMicroGrid(registry, 'a.s2.c3.g1.m1')).toEqual(['city', 'district:a', 'street:a.s2', 'community:a.s2.c3'])
  })
})
