/**
 * Plausible, nested boundaries for the demo registry (DESIGN §4: the demo registry generates
 * them; a real one imports GeoJSON). Only centroids are known, so:
 * - the city is a rounded outline around every place in it;
 * - each place's children split it into Voronoi cells of their centroids, clipped to it, so
 *   siblings tile their parent without overlapping;
 * - a street, the one street the demo has per district, is kept to the ground its communities
 *   cover (their rounded hull) instead of the whole district's cell.
 * A generated centroid can fall outside its parent's cell (a grid 450 m from the middle of a
 * community 300 m wide). Such a child's Voronoi site is pulled inside the parent, towards the
 * parent's middle, then relaxed a little so such children do not end up as slivers side by side;
 * it still gets a non-empty cell inside its parent, near its centroid, and children always tile
 * their parent. Only if a cell still came out empty
 * (two children at one point) would it get a small hexagon around its centroid instead.
 * Deterministic: a function of the places alone.
 */
import type { Place, PlaceLevel } from '../../server/contracts/registry.ts'
import type { PolygonGeometry, Position } from '../../server/contracts/geo.ts'
import { Registry } from './registry.ts'
import { LocalProjection, area, centroid, clipConvex, clipToSite, containsConvex, regularPolygon, roundedHull, type Pt } from './geometry.ts'

/** A demo boundary: always one convex polygon. */
export interface DemoBoundary {
  code: string
  geometry: PolygonGeometry
}

/** Levels that get a boundary: micro-grids are no scope's children on the wall, so they get none. */
const LEVELS: ReadonlySet<PlaceLevel> = new Set(['city', 'district', 'street', 'community', 'grid'])

/** Margin of the city's outline around its outermost places (metres). */
const CITY_MARGIN_M = 3000
/** Levels kept to the rounded hull of their own places, with this margin (metres). */
const HULL_MARGIN_M: Partial<Record<PlaceLevel, number>> = { street: 600 }
/** Radius of the hexagon a child gets when its cell came out empty (metres). */
const FALLBACK_RADIUS_M: Record<PlaceLevel, number> = { city: 5000, district: 3000, street: 1500, community: 400, grid: 120, micro_grid: 40 }
/** How far past the parent's edge, towards its middle, a site outside the parent is put. */
const PULL_IN = 0.2
/** Relaxation steps for pulled-in sites: one evens out the slivers; more drift too far from home. */
const LLOYD_STEPS = 1

/** Boundaries of the city, districts, streets, communities and grids, parents before children. */
export function demoBoundaries(places: readonly Place[]): DemoBoundary[] {
  const registry = new Registry(places)
  const city = registry.city
  if (!city) return []
  const proj = new LocalProjection(city.lat, city.lon)
  const xy = (p: Place): Pt => proj.toXY(p.lat, p.lon)

  const spread = new Map<string, Pt[]>()
  /** The place's centroid and every centroid below it. */
  const pointsOf = (p: Place): Pt[] => {
    let pts = spread.get(p.code)
    if (!pts) {
      pts = [xy(p), ...registry.children(p.code).flatMap(pointsOf)]
      spread.set(p.code, pts)
    }
    return pts
  }

  const out: DemoBoundary[] = []
  const emit = (p: Place, poly: readonly Pt[]) => out.push({ code: p.code, geometry: toGeometry(poly, proj) })

  const divide = (parent: Place, parentPoly: readonly Pt[]): void => {
    const kids = registry.children(parent.code).filter((k) => LEVELS.has(k.level))
    const middle = centroid(parentPoly)
    const sites = kids.map((k) => inside(parentPoly, xy(k), middle))
    /** Child i's Voronoi cell within `poly`, against the sites as they are now. */
    const apart = (i: number, poly: readonly Pt[]) =>
      sites.reduce<Pt[]>((cell, other, j) => (j === i ? cell : clipToSite(cell, sites[i]!, other)), [...poly])
    // Pulled-in sites bunch up where their line to the middle enters: a Lloyd step (a site
    // to the centroid of its cell) spreads them into fairer shares. Sites that were inside stay,
    // so their cells still hold their centroids.
    const pulled = kids.map((k) => !containsConvex(parentPoly, xy(k)))
    for (let step = 0; step < LLOYD_STEPS; step++) {
      kids.forEach((_, i) => {
        if (!pulled[i]) return
        const cell = apart(i, parentPoly)
        if (cell.length > 0) sites[i] = centroid(cell)
      })
    }
    kids.forEach((kid, i) => {
      let cell = apart(i, parentPoly)
      const margin = HULL_MARGIN_M[kid.level]
      if (margin !== undefined && cell.length > 0) cell = clipConvex(cell, roundedHull(pointsOf(kid), margin))
      if (area(cell) <= 0) cell = apart(i, regularPolygon(xy(kid), FALLBACK_RADIUS_M[kid.level], 6, Math.PI / 6))
      emit(kid, cell)
      divide(kid, cell)
    })
  }

  const cityPoly = roundedHull(pointsOf(city), CITY_MARGIN_M)
  emit(city, cityPoly)
  divide(city, cityPoly)
  return out
}

/**
 * `site` when it lies in `poly`; otherwise the point a fifth of the way from where the line to
 * `middle` enters `poly` on to `middle` (bisection on that line: `poly` is convex).
 */
function inside(poly: readonly Pt[], site: Pt, middle: Pt): Pt {
  if (containsConvex(poly, site) || !containsConvex(poly, middle)) return site
  const at = (t: number): Pt => [site[0] + t * (middle[0] - site[0]), site[1] + t * (middle[1] - site[1])]
  let lo = 0
  let hi = 1
  for (let k = 0; k < 40; k++) {
    const t = (lo + hi) / 2
    if (containsConvex(poly, at(t))) hi = t
    else lo = t
  }
  return at(hi + (1 - hi) * PULL_IN)
}

/** A closed, counter-clockwise ring in [lon, lat], 6 decimals (about 0.1 m). */
function toGeometry(poly: readonly Pt[], proj: LocalProjection): PolygonGeometry {
  const ring: Position[] = poly.map((p) => {
    const [lon, lat] = proj.toLonLat(p)
    return [round6(lon), round6(lat)]
  })
  // Rounding can make neighbouring vertices equal; drop the repeats before closing the ring.
  const clean = ring.filter((p, i) => i === 0 || p[0] !== ring[i - 1]![0] || p[1] !== ring[i - 1]![1])
  while (clean.length > 1 && clean[0]![0] === clean[clean.length - 1]![0] && clean[0]![1] === clean[clean.length - 1]![1]) clean.pop()
  return { type: 'Polygon', coordinates: [[...clean, [clean[0]![0], clean[0]![1]]]] }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
