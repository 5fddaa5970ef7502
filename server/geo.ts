/**
 * The map's geography per scope: the scope's outline and its children's boundaries as one
 * GeoJSON FeatureCollection, built from the registry in force and `place_boundaries`.
 * Answers are cached per (registry, boundaries version, scope): a registry import replaces the
 * registry object, a boundary import (this process or another on a shared store) changes the
 * version, and either drops the cache.
 */
import crypto from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import type { BoundaryGeometry, GeoFeature, GeoFeatureCollection, Position } from './contracts/geo.ts'
import { parseScope, type Scope } from './contracts/live.ts'
import type { Place } from './contracts/registry.ts'
import type { Registry } from '../ingest/registry/registry.ts'
import { boundariesVersion, loadBoundaries } from '../ingest/registry/boundary-store.ts'

const CHILD_LEVEL = { city: 'district', district: 'street', street: 'community', community: 'grid' } as const

export interface GeoAnswer {
  /** The FeatureCollection as JSON text. */
  body: string
  /** Strong ETag of the body. */
  etag: string
}

/**
 * The FeatureCollection of a (known) scope from the registry and the stored geometries of its
 * place and children (code → GeoJSON geometry text). Pure, for tests.
 */
export function scopeCollection(registry: Registry, scope: Scope, geometries: ReadonlyMap<string, string>): GeoFeatureCollection {
  const parsed = parseScope(scope)
  if (!parsed) throw new Error(`not a scope: ${scope}`)
  const self = parsed.level === 'city' ? registry.city : registry.byCode.get(parsed.code)
  const features: GeoFeature[] = []
  const add = (p: Place, role: 'scope' | 'child') => {
    const text = geometries.get(p.code)
    if (text === undefined) return
    const geometry = JSON.parse(text) as BoundaryGeometry
    const cp = labelPoint(geometry, [p.lon, p.lat])
    features.push({ type: 'Feature', id: p.code, properties: { code: p.code, level: p.level, name: p.name, nameEn: p.nameEn, role, ...(cp ? { cp } : {}) }, geometry })
  }
  if (self) {
    add(self, 'scope')
    for (const c of registry.children(self.code)) add(c, 'child')
  }
  return { type: 'FeatureCollection', scope, childLevel: CHILD_LEVEL[parsed.level], features }
}

/** Codes whose boundaries a scope's collection needs: its own place and its children. */
export function scopeCodes(registry: Registry, scope: Scope): string[] {
  const parsed = parseScope(scope)
  const self = !parsed ? undefined : parsed.level === 'city' ? registry.city : registry.byCode.get(parsed.code)
  return self ? [self.code, ...registry.children(self.code).map((c) => c.code)] : []
}

export class GeoService {
  private cache = new Map<Scope, GeoAnswer>()
  private cachedFor: { registry: Registry; version: string } | undefined
  private versionInFlight: Promise<string> | undefined

  constructor(
    private readonly reader: ClickHouseClient,
    private readonly registry: () => Registry,
  ) {}

  /** The collection of a scope the caller has already checked exists and may be seen. */
  async answer(scope: Scope): Promise<GeoAnswer> {
    const registry = this.registry()
    const version = await this.version()
    if (this.cachedFor?.registry !== registry || this.cachedFor.version !== version) {
      this.cache = new Map()
      this.cachedFor = { registry, version }
    }
    const hit = this.cache.get(scope)
    if (hit) return hit
    const geometries = await loadBoundaries(this.reader, scopeCodes(registry, scope))
    const body = JSON.stringify(scopeCollection(registry, scope, geometries))
    const answer = { body, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` }
    // Only keep it if nothing changed meanwhile; otherwise the next request rebuilds it.
    if (this.cachedFor.registry === registry && this.cachedFor.version === version) this.cache.set(scope, answer)
    return answer
  }

  /** The boundaries' version; concurrent requests share one small query. */
  private version(): Promise<string> {
    this.versionInFlight ??= boundariesVersion(this.reader)
      .then((v) => v.key)
      .finally(() => (this.versionInFlight = undefined))
    return this.versionInFlight
  }
}

/**
 * Where to write the area's name: the centroid of its largest polygon's outer ring when that lies
 * inside it (always, for a convex one), else the place's own centroid when that does; else
 * nothing, and ECharts picks a point itself.
 */
function labelPoint(g: BoundaryGeometry, fallback: Position): Position | undefined {
  const polygons = g.type === 'Polygon' ? [g.coordinates] : g.coordinates
  let best: Position[] | undefined
  let bestArea = 0
  for (const poly of polygons) {
    const ring = poly[0]
    if (!ring) continue
    const a = Math.abs(ringArea(ring))
    if (a > bestArea) {
      bestArea = a
      best = ring
    }
  }
  if (!best) return undefined
  const c = ringCentroid(best)
  if (c && inRing(best, c)) return [round6(c[0]), round6(c[1])]
  return inRing(best, fallback) ? fallback : undefined
}

function ringArea(ring: readonly Position[]): number {
  let s = 0
  for (let i = 0; i + 1 < ring.length; i++) s += ring[i]![0] * ring[i + 1]![1] - ring[i + 1]![0] * ring[i]![1]
  return s / 2
}

function ringCentroid(ring: readonly Position[]): Position | undefined {
  // Relative to the first vertex: degrees around 104 E squared lose digits otherwise.
  const [ox, oy] = ring[0]!
  let a = 0
  let x = 0
  let y = 0
  for (let i = 0; i + 1 < ring.length; i++) {
    const px = ring[i]![0] - ox
    const py = ring[i]![1] - oy
    const qx = ring[i + 1]![0] - ox
    const qy = ring[i + 1]![1] - oy
    const f = px * qy - qx * py
    a += f
    x += (px + qx) * f
    y += (py + qy) * f
  }
  return a === 0 ? undefined : [ox + x / (3 * a), oy + y / (3 * a)]
}

/** Ray casting; the ring is closed (first = last). */
function inRing(ring: readonly Position[], p: Position): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i]!
    const [xj, yj] = ring[j]!
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
