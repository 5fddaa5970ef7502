/**
 * Place boundaries as served by `GET /api/v1/geo?scope=…`: GeoJSON (RFC 7946) the wall's map
 * registers with ECharts as is. The dashboard imports this file type-only (`@contracts/geo`).
 */
import type { Scope } from './live.ts'
import type { PlaceLevel } from './registry.ts'

/** [longitude, latitude], WGS84. */
export type Position = [number, number]

export interface PolygonGeometry {
  type: 'Polygon'
  /** Linear rings: the exterior first (counter-clockwise), then holes; each closed (first = last). */
  coordinates: Position[][]
}

export interface MultiPolygonGeometry {
  type: 'MultiPolygon'
  coordinates: Position[][][]
}

/** The only geometries a place boundary may have. */
export type BoundaryGeometry = PolygonGeometry | MultiPolygonGeometry

export interface GeoPlaceProperties {
  code: string
  level: PlaceLevel
  name: string
  nameEn: string
  /** `scope`: the outline of the scope asked for; `child`: one of its children. */
  role: 'scope' | 'child'
  /** A point inside the area to put its name at (ECharts reads `cp` for that); absent when none was found. */
  cp?: Position
}

export interface GeoFeature {
  type: 'Feature'
  /** The place's code. */
  id: string
  properties: GeoPlaceProperties
  geometry: BoundaryGeometry
}

/**
 * The scope's own outline (when stored) and its children's boundaries. Children without a stored
 * boundary are left out, so a partly imported registry draws what it has.
 */
export interface GeoFeatureCollection {
  type: 'FeatureCollection'
  /** Foreign members (RFC 7946 §6.1): what the collection is of. */
  scope: Scope
  childLevel: 'district' | 'street' | 'community' | 'grid'
  features: GeoFeature[]
}
