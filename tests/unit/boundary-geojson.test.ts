/**
 * Reading boundaries from GeoJSON (ingest/registry/geojson.ts): a good FeatureCollection is
 * read as is (less altitudes and foreign members); each kind of bad input is refused with the
 * feature's index and the field. Fixture: a registry of three codes and one good file, built
 * below and bent one way per test.
 */
import { describe, expect, it } from 'vitest'
import { BoundaryGeoJsonError, boundariesFromGeoJson } from '../../ingest/registry/geojson.ts'

const KNOWN = new Set(['wj', 'wj.sa', 'wj.sa.wjc'])
const known = (code: string) => KNOWN.has(code)

const square = (lon: number, lat: number, d = 0.01) => [
  [lon, lat],
  [lon + d, lat],
  [lon + d, lat + d],
  [lon, lat + d],
  [lon, lat],
]

function good(): { type: string; features: Array<Record<string, unknown>> } {
  return {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', properties: { code: 'wj', name: '温江区' }, geometry: { type: 'Polygon', coordinates: [square(103.7, 30.6, 0.2)] } },
      {
        type: 'Feature',
        properties: { code: 'wj.sa' },
        geometry: { type: 'MultiPolygon', coordinates: [[square(103.72, 30.62)], [square(103.75, 30.65)]] },
      },
    ],
  }
}

/** The error a bent file gets, or a failure when it is accepted. */
function refusal(doc: unknown): BoundaryGeoJsonError {
  try {
    boundariesFromGeoJson(typeof doc === 'string' ? doc : JSON.stringify(doc), known)
  } catch (e) {
    if (e instanceof BoundaryGeoJsonError) return e
    throw e
  }
  throw new Error('the file was accepted')
}

describe('boundaries from GeoJSON', () => {
  it('reads Polygon and MultiPolygon features by properties.code', () => {
    const got = boundariesFromGeoJson(JSON.stringify(good()), known)
    expect(got.map((b) => b.code)).toEqual(['wj', 'wj.sa'])
    expect(got[0]!.geometry).toEqual({ type: 'Polygon', coordinates: [square(103.7, 30.6, 0.2)] })
    expect(got[1]!.geometry.type).toBe('MultiPolygon')
  })

  it('drops altitudes and foreign members of the geometry', () => {
    const doc = good()
    doc.features[0]!.geometry = { type: 'Polygon', bbox: [0, 0, 1, 1], coordinates: [square(103.7, 30.6).map(([x, y]) => [x, y, 512])] }
    expect(boundariesFromGeoJson(JSON.stringify(doc), known)[0]!.geometry).toEqual({ type: 'Polygon', coordinates: [square(103.7, 30.6)] })
  })

  it('refuses a file that is not JSON, or not a FeatureCollection', () => {
    expect(refusal('{"type": "FeatureCollection",').message).toMatch(/^the file is not JSON/)
    expect(refusal({ type: 'Feature' }).message).toMatch(/must be a GeoJSON FeatureCollection/)
    expect(refusal({ type: 'FeatureCollection' }).message).toMatch(/no "features" array/)
  })

  it('names the feature and properties.code for a code the registry does not have', () => {
    const doc = good()
    doc.features[1]!.properties = { code: 'wj.nowhere' }
    const e = refusal(doc)
    expect(e.message).toBe('feature 1, properties.code: "wj.nowhere" is not a place in the registry')
    expect([e.feature, e.field]).toEqual([1, 'properties.code'])
  })

  it('names a feature without a code, and a code given twice', () => {
    const doc = good()
    doc.features[0]!.properties = { name: '温江区' }
    expect(refusal(doc).message).toMatch(/^feature 0, properties\.code: must be the place's registry code/)
    const twice = good()
    twice.features[1]!.properties = { code: 'wj' }
    expect(refusal(twice).message).toBe('feature 1, properties.code: "wj" already has a boundary in feature 0')
  })

  it('names geometry.type for a geometry that is not a Polygon or MultiPolygon', () => {
    const doc = good()
    doc.features[1]!.geometry = { type: 'Point', coordinates: [103.7, 30.6] }
    expect(refusal(doc).message).toBe('feature 1, geometry.type: must be Polygon or MultiPolygon, got "Point"')
    const none = good()
    none.features[0]!.geometry = null
    expect(refusal(none).message).toBe('feature 0, geometry: must be a Polygon or MultiPolygon geometry')
  })

  it('names the position of a coordinate out of range, and says the order is [longitude, latitude]', () => {
    const doc = good()
    // [lat, lon] swapped by mistake: 103.72 is no latitude.
    doc.features[1]!.geometry = { type: 'MultiPolygon', coordinates: [[square(103.72, 30.62)], [square(30.65, 103.75)]] }
    const e = refusal(doc)
    expect(e.message).toBe('feature 1, geometry.coordinates[1][0][0]: latitude 103.75 is out of range (−90…90); positions are [longitude, latitude]')
    expect(e.field).toBe('geometry.coordinates[1][0][0]')
    const lon = good()
    lon.features[0]!.geometry = { type: 'Polygon', coordinates: [[[181, 30], [182, 30], [182, 31], [181, 30]]] }
    expect(refusal(lon).message).toMatch(/^feature 0, geometry\.coordinates\[0\]\[0\]: longitude 181 is out of range/)
  })

  it('names a ring that is open, too short, or has a position that is not two numbers', () => {
    const open = good()
    open.features[0]!.geometry = { type: 'Polygon', coordinates: [square(103.7, 30.6).slice(0, 4)] }
    expect(refusal(open).message).toBe('feature 0, geometry.coordinates[0]: the ring is not closed: its last position must equal its first')
    const short = good()
    short.features[0]!.geometry = { type: 'Polygon', coordinates: [[[103.7, 30.6], [103.8, 30.6], [103.7, 30.6]]] }
    expect(refusal(short).message).toMatch(/^feature 0, geometry\.coordinates\[0\]: a linear ring needs at least 4 positions/)
    const text = good()
    text.features[0]!.geometry = { type: 'Polygon', coordinates: [[[103.7, 30.6], ['103.8', 30.6], [103.8, 30.7], [103.7, 30.6]]] }
    expect(refusal(text).message).toBe('feature 0, geometry.coordinates[0][1]: a position must be [longitude, latitude] (numbers)')
  })

  it('names a feature that is not a Feature', () => {
    const doc = good()
    doc.features.push({ type: 'Polygon', coordinates: [square(103.7, 30.6)] })
    expect(refusal(doc).message).toBe('feature 2, type: must be a Feature')
  })
})
