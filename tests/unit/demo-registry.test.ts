/**
 * The demo registry (ingest/registry/demo.ts) against the facts of DOMAIN.md and the shape
 * rules of the registry contract. Fixture: one registry generated with the default demo seed,
 * shared by all tests (generation is pure).
 */
import { describe, expect, it } from 'vitest'
import type { Place } from '../../server/contracts/registry.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'

const SEED = 20221107
const places = demoRegistry(SEED)
const byCode = new Map(places.map((p) => [p.code, p]))
const childrenOf = (code: string): Place[] => places.filter((p) => p.parent === code)
const descendants = (code: string, level: Place['level']): Place[] => places.filter((p) => p.level === level && p.code.startsWith(`${code}.`))

/** Great-circle-ish distance in metres, good enough at city scale. */
function metres(a: Place, b: Place): number {
  const dy = (a.lat - b.lat) * 111_320
  const dx = (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180)
  return Math.hypot(dx, dy)
}

describe('demo registry', () => {
  it('has 大弯街道 with exactly 18 communities, 137 general grids and 836 micro-grids', () => {
    const dawan = byCode.get('qingbaijiang.dawan')!
    expect(dawan.name).toBe('大弯街道')
    expect(dawan.nameEn).toBe('Dawan Subdistrict')
    expect(childrenOf(dawan.code).filter((p) => p.level === 'community')).toHaveLength(18)
    expect(descendants(dawan.code, 'grid')).toHaveLength(137)
    expect(descendants(dawan.code, 'micro_grid')).toHaveLength(836)
  })

  it('has 禹庙村 with exactly 32 micro-grids in about five grids, and a high key-household share', () => {
    const yumiao = byCode.get('pidu.deyuan.yumiao')!
    expect(yumiao.name).toBe('禹庙村')
    expect(yumiao.nameEn).toBe('Yumiao Village')
    expect(descendants(yumiao.code, 'micro_grid')).toHaveLength(32)
    expect(descendants(yumiao.code, 'grid').length).toBeGreaterThanOrEqual(4)
    expect(descendants(yumiao.code, 'grid').length).toBeLessThanOrEqual(6)
    // 1,008 villagers aged 60+ over ~2,000 households: far above an urban community's share.
    expect(yumiao.keyHouseholds / yumiao.households).toBeGreaterThan(0.3)
    const tuanjielu = byCode.get('qingbaijiang.dawan.tuanjielu')!
    expect(tuanjielu.keyHouseholds / tuanjielu.households).toBeLessThan(0.2)
  })

  it('has the six real districts, each with its real street, and the named communities in their streets', () => {
    const expected: Array<[string, string, string, string]> = [
      ['pidu', '郫都区', 'pidu.deyuan', '德源街道'],
      ['qingbaijiang', '青白江区', 'qingbaijiang.dawan', '大弯街道'],
      ['tianfu', '天府新区', 'tianfu.huayang', '华阳街道'],
      ['gaoxin', '成都高新区', 'gaoxin.shiyang', '石羊街道'],
      ['dongbu', '东部新区', 'dongbu.yangma', '养马街道'],
      ['wenjiang', '温江区', 'wenjiang.shouan', '寿安镇'],
    ]
    expect(places[0]).toMatchObject({ code: 'chengdu', level: 'city', parent: '' })
    expect(places.filter((p) => p.level === 'district').map((p) => p.code).sort()).toEqual(expected.map((e) => e[0]).sort())
    for (const [d, dName, s, sName] of expected) {
      expect(byCode.get(d)).toMatchObject({ level: 'district', parent: 'chengdu', name: dName })
      expect(byCode.get(s)).toMatchObject({ level: 'street', parent: d, name: sName })
    }
    const named: Array<[string, string]> = [
      ['qingbaijiang.dawan.tuanjielu', '团结路社区'],
      ['tianfu.huayang.angong', '安公社区'],
      ['gaoxin.shiyang.shenghua', '盛华社区'],
      ['gaoxin.shiyang.shengle', '盛乐社区'],
      ['pidu.deyuan.yumiao', '禹庙村'],
      ['wenjiang.shouan.wujiachang', '吴家场社区'],
    ]
    for (const [code, name] of named) expect(byCode.get(code)).toMatchObject({ level: 'community', name })
  })

  it('gives the other streets 5–8 communities and about 2,000 micro-grids in all', () => {
    for (const s of places.filter((p) => p.level === 'street' && p.code !== 'qingbaijiang.dawan')) {
      const n = childrenOf(s.code).length
      expect(n, s.code).toBeGreaterThanOrEqual(5)
      expect(n, s.code).toBeLessThanOrEqual(8)
    }
    const micro = places.filter((p) => p.level === 'micro_grid').length
    expect(micro).toBeGreaterThan(1500)
    expect(micro).toBeLessThan(2600)
    expect(new Set(places.filter((p) => p.level === 'community').map((p) => p.name)).size).toBe(places.filter((p) => p.level === 'community').length)
  })

  it('gives every micro-grid 30–100 households and a key-household count between 1 and its households', () => {
    for (const p of places.filter((x) => x.level === 'micro_grid')) {
      expect(Number.isInteger(p.households), p.code).toBe(true)
      expect(p.households, p.code).toBeGreaterThanOrEqual(30)
      expect(p.households, p.code).toBeLessThanOrEqual(100)
      expect(Number.isInteger(p.keyHouseholds), p.code).toBe(true)
      expect(p.keyHouseholds, p.code).toBeGreaterThanOrEqual(1)
      expect(p.keyHouseholds, p.code).toBeLessThanOrEqual(p.households)
    }
  })

  it('keeps an urban key-household share around 10–18% of households', () => {
    const urban = places.filter((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))
    const share = urban.reduce((s, p) => s + p.keyHouseholds, 0) / urban.reduce((s, p) => s + p.households, 0)
    expect(share).toBeGreaterThan(0.1)
    expect(share).toBeLessThan(0.18)
  })

  it('sums households and key households of every upper level from its children', () => {
    for (const p of places.filter((x) => x.level !== 'micro_grid')) {
      const kids = childrenOf(p.code)
      expect(kids.length, p.code).toBeGreaterThan(0)
      expect(p.households, p.code).toBe(kids.reduce((s, k) => s + k.households, 0))
      expect(p.keyHouseholds, p.code).toBe(kids.reduce((s, k) => s + k.keyHouseholds, 0))
    }
  })

  it('has unique dotted ASCII codes whose parents exist and come first, one level up', () => {
    const seen = new Map<string, number>()
    const order: Record<Place['level'], number> = { city: 0, district: 1, street: 2, community: 3, grid: 4, micro_grid: 5 }
    places.forEach((p, i) => {
      expect(seen.has(p.code), `duplicate ${p.code}`).toBe(false)
      seen.set(p.code, i)
      expect(p.code).toMatch(/^[a-z0-9]+(\.[a-z0-9]+)*$/)
      if (p.level === 'city') return
      const parentIndex = seen.get(p.parent)
      expect(parentIndex, `${p.code}'s parent ${p.parent} comes first`).toBeDefined()
      expect(order[places[parentIndex!]!.level]).toBe(order[p.level] - 1)
      if (p.level !== 'district') expect(p.code.startsWith(`${p.parent}.`), p.code).toBe(true)
    })
    expect(byCode.get('qingbaijiang.dawan.tuanjielu.g01.m01')).toMatchObject({ level: 'micro_grid', name: '第1-1微网格', nameEn: 'Micro-grid 1-1' })
    expect(byCode.get('qingbaijiang.dawan.tuanjielu.g01')).toMatchObject({ level: 'grid', name: '第1网格', nameEn: 'Grid 1' })
  })

  it('places centroids near the real districts: streets within a few km, communities within 2 km, micro-grids within 300 m of their grid', () => {
    const real: Record<string, [number, number]> = {
      pidu: [30.8, 103.9],
      qingbaijiang: [30.78, 104.25],
      tianfu: [30.5, 104.05],
      gaoxin: [30.58, 104.05],
      dongbu: [30.4, 104.45],
      wenjiang: [30.65, 103.75],
    }
    for (const [code, [lat, lon]] of Object.entries(real)) {
      const d = byCode.get(code)!
      expect(metres(d, { ...d, lat, lon }), code).toBeLessThan(1000)
    }
    for (const p of places) {
      if (p.level === 'city' || p.level === 'district') continue
      const parent = byCode.get(p.parent)!
      const limit = { street: 3100, community: 2100, grid: 500, micro_grid: 310 }[p.level]
      expect(metres(p, parent), p.code).toBeLessThan(limit)
    }
  })

  it('is deterministic: the same seed gives the same registry, another seed other numbers but the same real structure', () => {
    expect(demoRegistry(SEED)).toEqual(places)
    const other = demoRegistry(SEED + 1)
    expect(other).not.toEqual(places)
    expect(other.filter((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))).toHaveLength(836)
    expect(other.filter((p) => p.level === 'micro_grid' && p.code.startsWith('pidu.deyuan.yumiao.'))).toHaveLength(32)
  })
})
