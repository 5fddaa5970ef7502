/**
 * Reads place boundaries from a GeoJSON FeatureCollection (RFC 7946): one feature per place,
 * `properties.code` naming it, a Polygon or MultiPolygon geometry in [lon, lat]. Errors name the
 * feature's index and the field, so an operator can find it in a file of thousands.
 */
import type { BoundaryGeometry, Position } from '../../server/contracts/geo.ts'
import type { PlaceBoundary } from './boundary-store.ts'

export class BoundaryGeoJsonError extends Error {
  constructor(
    message: string,
    /** Index of the offending feature in `features`; absent for the file as a whole. */
    readonly feature?: number,
    /** The field, as a path inside the feature (e.g. `geometry.coordinates[0][3]`). */
    readonly field?: string,
  ) {
    super(feature === undefined ? message : `feature ${feature}, ${field}: ${message}`)
    this.name = 'BoundaryGeoJsonError'
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The boundaries in `text`, checked: every code is a place `known` has, every geometry a
 * Polygon or MultiPolygon of closed rings of at least four in-range positions, no code twice.
 * Altitudes and foreign members are dropped.
 */
export function boundariesFromGeoJson(text: string, known: (code: string) => boolean): PlaceBoundary[] {
  let doc: unknown
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (e) {
    throw new BoundaryGeoJsonError(`the file is not JSON (${(e as Error).message})`)
  }
  if (!isObject(doc) || doc.type !== 'FeatureCollection') throw new BoundaryGeoJsonError('the file must be a GeoJSON FeatureCollection ("type": "FeatureCollection")')
  if (!Array.isArray(doc.features)) throw new BoundaryGeoJsonError('the FeatureCollection has no "features" array')

  const seen = new Map<string, number>()
  return doc.features.map((f: unknown, i: number): PlaceBoundary => {
    const fail = (field: string, msg: string): never => {
      throw new BoundaryGeoJsonError(msg, i, field)
    }
    if (!isObject(f) || f.type !== 'Feature') fail('type', 'must be a Feature')
    const feature = f as Record<string, unknown>
    const props = feature.properties
    if (!isObject(props)) fail('properties', 'must be an object with the place\'s "code"')
    const code = (props as Record<string, unknown>).code
    if (typeof code !== 'string' || code === '') fail('properties.code', 'must be the place\'s registry code (a string)')
    const c = code as string
    if (!known(c)) fail('properties.code', `"${c}" is not a place in the registry`)
    const first = seen.get(c)
    if (first !== undefined) fail('properties.code', `"${c}" already has a boundary in feature ${first}`)
    seen.set(c, i)
    return { code: c, geometry: readGeometry(feature.geometry, fail) }
  })
}

type Fail = (field: string, msg: string) => never

function readGeometry(g: unknown, fail: Fail): BoundaryGeometry {
  if (!isObject(g)) return fail('geometry', 'must be a Polygon or MultiPolygon geometry')
  if (g.type === 'Polygon') return { type: 'Polygon', coordinates: readPolygon(g.coordinates, 'geometry.coordinates', fail) }
  if (g.type === 'MultiPolygon') {
    const at = 'geometry.coordinates'
    if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) return fail(at, 'must be a non-empty array of polygons')
    return { type: 'MultiPolygon', coordinates: g.coordinates.map((p: unknown, k: number) => readPolygon(p, `${at}[${k}]`, fail)) }
  }
  return fail('geometry.type', `must be Polygon or MultiPolygon, got ${JSON.stringify(g.type)}`)
}

function readPolygon(rings: unknown, at: string, fail: Fail): Position[][] {
  if (!Array.isArray(rings) || rings.length === 0) return fail(at, 'must be a non-empty array of linear rings')
  return rings.map((ring: unknown, r: number) => {
    const here = `${at}[${r}]`
    if (!Array.isArray(ring) || ring.length < 4) return fail(here, 'a linear ring needs at least 4 positions (the first repeated at the end)')
    const out = ring.map((pos: unknown, k: number) => readPosition(pos, `${here}[${k}]`, fail))
    const a = out[0]!
    const z = out[out.length - 1]!
    if (a[0] !== z[0] || a[1] !== z[1]) fail(here, 'the ring is not closed: its last position must equal its first')
    return out
  })
}

function readPosition(pos: unknown, at: string, fail: Fail): Position {
  if (!Array.isArray(pos) || pos.length < 2 || pos.length > 3 || !pos.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    return fail(at, 'a position must be [longitude, latitude] (numbers)')
  }
  const [lon, lat] = pos as number[]
  if (lon! < -180 || lon! > 180) fail(at, `longitude ${lon} is out of range (−180…180); positions are [longitude, latitude]`)
  if (lat! < -90 || lat! > 90) fail(at, `latitude ${lat} is out of range (−90…90); positions are [longitude, latitude]`)
  return [lon!, lat!]
}
