/**
 * The demo registry's boundaries (ingest/registry/demo-boundaries.ts): every place from city to
 * general grid gets one valid polygon, children nest in their parent, siblings tile it without
 * overlapping, and a place's area holds (or lies near) its centroid.
 * Fixture: the demo registry of the default seed and of one other seed (generation is pure);
 * the geometry checks below (ray casting, sampling) are written here, independent of the
 * generator's own clipping code.
 */
import { describe, expect, it } from 'vitest'
import type { Place } from '../../server/contracts/registry.ts'
import type { Position } from '../../server/contracts/geo.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { demoBoundaries } from '../../ingest/registry/demo-boundaries.ts'

const M_PER_DEG = 111_320
const COS_LAT = Math.cos((30.66 * Math.PI) / 180)
/** Metres east/north of 104° E, 30° N: plenty accurate across one city. */
const xy = ([lon, lat]: readonly number[]): [number, number] => [(lon! - 104) * M_PER_DEG * COS_LAT, (lat! - 30) * M_PER_DEG]

function inRing(ring: ReadonlyArray<readonly [number, number]>, [x, y]: readonly [number, number]): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]!
    const [xj, yj] = ring[j]!
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function distToRing(ring: ReadonlyArray<readonly [number, number]>, [x, y]: readonly [number, number]): number {
  let best = Infinity
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [ax, ay] = ring[j]!
    const [bx, by] = ring[i]!
    const dx = bx - ax
    const dy = by - ay
    const t = dx === 0 && dy === 0 ? 0 : Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    best = Math.min(best, Math.hypot(x - (ax + t * dx), y - (ay + t * dy)))
  }
  return best
}

function signedArea(ring: ReadonlyArray<readonly [number, number]>): number {
  let s = 0
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) s += ring[j]![0] * ring[i]![1] - ring[i]![0] * ring[j]![1]
  return s / 2
}

const BOUNDED = ['city', 'district', 'street', 'community', 'grid'] as const

function fixture(seed: number) {
  const places = demoRegistry(seed)
  const boundaries = demoBoundaries(places)
  const byCode = new Map(places.map((p) => [p.code, p]))
  /** Planar outer ring without its closing point. */
  const rings = new Map(boundaries.map((b) => [b.code, b.geometry.coordinates[0]!.slice(0, -1).map(xy)]))
  const kids = (code: string) => places.filter((p) => p.parent === code && rings.has(p.code))
  return { places, boundaries, byCode, rings, kids }
}

describe.each([20221107, 7])('demo boundaries, seed %i', (seed) => {
  const { places, boundaries, byCode, rings, kids } = fixture(seed)
  const site = (p: Place) => xy([p.lon, p.lat])

  it('are the same for the same registry', () => {
    expect(JSON.stringify(demoBoundaries(demoRegistry(seed)))).toBe(JSON.stringify(boundaries))
  })

  it('give every place from city to general grid one valid polygon, and micro-grids none', () => {
    const want = places.filter((p) => (BOUNDED as readonly string[]).includes(p.level)).map((p) => p.code)
    expect(boundaries.map((b) => b.code).sort()).toEqual([...want].sort())
    for (const b of boundaries) {
      const ring = b.geometry.coordinates[0]!
      expect(b.geometry.type, b.code).toBe('Polygon')
      expect(b.geometry.coordinates, b.code).toHaveLength(1)
      expect(ring.length, b.code).toBeGreaterThanOrEqual(4)
      expect(ring[0], b.code).toEqual(ring[ring.length - 1])
      for (const [lon, lat] of ring as Position[]) {
        expect(lon).toBeGreaterThan(103)
        expect(lon).toBeLessThan(105.5)
        expect(lat).toBeGreaterThan(30)
        expect(lat).toBeLessThan(31.5)
      }
      // Counter-clockwise (RFC 7946's right-hand rule) and not a sliver: at least 1,000 m².
      expect(signedArea(rings.get(b.code)!), b.code).toBeGreaterThan(1000)
    }
  })

  it('keep every child inside its parent (within a metre of rounding)', () => {
    for (const b of boundaries) {
      const p = byCode.get(b.code)!
      if (p.level === 'city') continue
      const parent = rings.get(p.parent)!
      for (const v of rings.get(b.code)!) expect(inRing(parent, v) || distToRing(parent, v) < 1, `${b.code} vertex outside ${p.parent}`).toBe(true)
    }
  })

  it("give a child whose centroid lies in its parent's area an area holding that centroid, and any other child one near it", () => {
    let outside = 0
    for (const b of boundaries) {
      const p = byCode.get(b.code)!
      const own = rings.get(b.code)!
      if (p.level === 'city' || inRing(rings.get(p.parent)!, site(p))) {
        expect(inRing(own, site(p)), `${b.code} does not contain its centroid`).toBe(true)
      } else {
        outside++
        // Generated centroids stray at most 450 m (grid) from their parent's: never far from home.
        expect(distToRing(own, site(p)), `${b.code} is far from its centroid`).toBeLessThan(600)
      }
    }
    // Only general grids stray (a community can be narrower than its grids' spread); most do not.
    expect(outside).toBeLessThan(places.filter((p) => p.level === 'grid').length * 0.3)
  })

  it('tile each parent with its children: no overlap, nothing left over (except a district around its one street)', () => {
    for (const parent of places.filter((p) => p.level === 'city' || p.level === 'street' || p.level === 'community' || p.level === 'district')) {
      const children = kids(parent.code)
      if (children.length === 0) continue
      const outer = rings.get(parent.code)!
      const xs = outer.map((v) => v[0])
      const ys = outer.map((v) => v[1])
      const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]
      let inParent = 0
      let overlapping = 0
      let uncovered = 0
      const N = 40
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) {
          const pt: [number, number] = [x0 + ((i + 0.5) / N) * (x1 - x0), y0 + ((j + 0.37) / N) * (y1 - y0)]
          if (!inRing(outer, pt)) continue
          inParent++
          const hits = children.filter((c) => inRing(rings.get(c.code)!, pt)).length
          if (hits > 1) overlapping++
          if (hits === 0) uncovered++
        }
      }
      expect(inParent, parent.code).toBeGreaterThan(200)
      expect(overlapping / inParent, `${parent.code}: siblings overlap`).toBeLessThan(0.005)
      // A district's one street keeps to the ground its communities cover; elsewhere children tile.
      if (parent.level === 'district') expect(uncovered / inParent, `${parent.code}: its street is the whole district`).toBeGreaterThan(0.2)
      else expect(uncovered / inParent, `${parent.code}: children leave gaps`).toBeLessThan(0.005)
    }
  })
})
