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

/**
 * Makes `places` the registry: writes a new version of each, and marks every place in force
 * that is not among them as removed.
 */
export async function replaceRegistry(client: ClickHouseClient, places: readonly Place[]): Promise<void> {
  const keep = new Set(places.map((p) => p.code))
  const gone = (await loadPlaces(client)).filter((p) => !keep.has(p.code))
  await savePlaces(client, places)
  if (gone.length > 0) await savePlaces(client, gone, true)
}

/** Writes places (a new version of each; the latest wins). */
export async function savePlaces(client: ClickHouseClient, places: readonly Place[], removed = false): Promise<void> {
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
    removed: removed ? 1 : 0,
  }))
  for (let i = 0; i < values.length; i += 10_000) {
    await client.insert({ table: 'places', values: values.slice(i, i + 10_000), format: 'JSONEachRow' })
  }
}
