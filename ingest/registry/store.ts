/** Reading and writing the place registry in the store (`places`). */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Place, PlaceLevel } from '../../server/contracts/registry.ts'
import { sql } from '../../sql/queries.ts'

interface PlaceRow {
  code: string
  level: PlaceLevel
  parent: string
  name: string
  name_en: string
  households: number
  key_households: number
  lat: number
  lon: number
}

export async function loadPlaces(client: ClickHouseClient): Promise<Place[]> {
  const rs = await client.query({ query: sql('places_all'), format: 'JSONEachRow' })
  const rows = await rs.json<PlaceRow>()
  return rows.map((r) => ({
    code: r.code,
    level: r.level,
    parent: r.parent,
    name: r.name,
    nameEn: r.name_en,
    households: Number(r.households),
    keyHouseholds: Number(r.key_households),
    lat: Number(r.lat),
    lon: Number(r.lon),
  }))
}

/** Writes places (a new version of each; the latest wins). */
export async function savePlaces(client: ClickHouseClient, places: readonly Place[]): Promise<void> {
  const values = places.map((p) => ({
    code: p.code,
    level: p.level,
    parent: p.parent,
    name: p.name,
    name_en: p.nameEn,
    households: p.households,
    key_households: p.keyHouseholds,
    lat: p.lat,
    lon: p.lon,
  }))
  for (let i = 0; i < values.length; i += 10_000) {
    await client.insert({ table: 'places', values: values.slice(i, i + 10_000), format: 'JSONEachRow' })
  }
}
