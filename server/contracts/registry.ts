/** The place registry (DESIGN §4) as served by `GET /api/v1/registry`. */

export type PlaceLevel = 'city' | 'district' | 'street' | 'community' | 'grid' | 'micro_grid'

export const PLACE_LEVELS: readonly PlaceLevel[] = ['city', 'district', 'street', 'community', 'grid', 'micro_grid']

export interface Place {
  code: string
  level: PlaceLevel
  /** Code of the parent place; '' for the city. */
  parent: string
  name: string
  nameEn: string
  /** Households in the place (summed up the tree for levels above micro-grid). */
  households: number
  /** Households with a key-population member (elderly, young, sick, disabled, pregnant). */
  keyHouseholds: number
  lat: number
  lon: number
}
