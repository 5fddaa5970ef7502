/** Reading and writing place boundaries in the store (`place_boundaries`, migration 007). */
import type { ClickHouseClient } from '@clickhouse/client'
import type { BoundaryGeometry } from '../../server/contracts/geo.ts'
import { sql } from '../../sql/queries.ts'

export interface PlaceBoundary {
  code: string
  geometry: BoundaryGeometry
}

/** `import`: an operator's GeoJSON; `demo`: generated with the demo registry. */
export type BoundarySource = 'import' | 'demo'

/** Writes a new version of each boundary (the latest wins); boundaries not listed stay. */
export async function saveBoundaries(client: ClickHouseClient, boundaries: readonly PlaceBoundary[], source: BoundarySource): Promise<void> {
  const values = boundaries.map((b) => ({ code: b.code, geometry: JSON.stringify(b.geometry), source }))
  for (let i = 0; i < values.length; i += 5_000) {
    await client.insert({ table: 'place_boundaries', values: values.slice(i, i + 5_000), format: 'JSONEachRow' })
  }
}

/** The stored geometries (GeoJSON text) of those of `codes` that have one. */
export async function loadBoundaries(client: ClickHouseClient, codes: readonly string[]): Promise<Map<string, string>> {
  if (codes.length === 0) return new Map()
  const rs = await client.query({ query: sql('place_boundaries_of'), query_params: { codes }, format: 'JSONEachRow' })
  return new Map((await rs.json<{ code: string; geometry: string }>()).map((r) => [r.code, r.geometry]))
}

/** Changes whenever boundaries are written; `rows` is 0 while there are none. */
export async function boundariesVersion(client: ClickHouseClient): Promise<{ rows: number; key: string }> {
  const rs = await client.query({ query: sql('place_boundaries_version'), format: 'JSONEachRow' })
  const row = (await rs.json<{ rows: string | number; newest: string }>())[0]
  const rows = Number(row?.rows ?? 0)
  return { rows, key: `${rows}/${row?.newest ?? ''}` }
}
