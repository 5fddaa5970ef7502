/**
 * `npm run registry:import -- places.csv`: imports a real registry into the store in DATA_DIR
 * (or CLICKHOUSE_URL). The embedded store belongs to one process at a time, so stop GridPulse
 * first when it runs embedded (or use the admin page, which imports into the running server).
 * The file is the whole registry: places it does not list are removed.
 *
 * `npm run registry:import -- boundaries.geojson` (or .json): imports place boundaries, a GeoJSON
 * FeatureCollection with `properties.code` on each feature, for places already in the registry.
 * Only the places it lists get a (new) boundary; the others keep theirs.
 */
import fs from 'node:fs'
import { loadConfig } from '../../server/config.ts'
import { PLACE_LEVELS } from '../../server/contracts/registry.ts'
import { createStore } from '../../sql/store.ts'
import { migrate } from '../../sql/migrate.ts'
import { RegistryCsvError, registryFromCsv } from './csv.ts'
import { BoundaryGeoJsonError, boundariesFromGeoJson } from './geojson.ts'
import { loadPlaces, replaceRegistry } from './store.ts'
import { saveBoundaries } from './boundary-store.ts'

const USAGE = `usage: npm run registry:import -- <places.csv | boundaries.geojson>
  places.csv columns: code,level,parent,name,name_en,households,key_households,lat,lon
  boundaries.geojson: a FeatureCollection; each feature has properties.code (a place in the registry)
                      and a Polygon or MultiPolygon geometry in [longitude, latitude]`

/**
 * The file read and checked by `parse` before the store is opened (or created): a missing file
 * or one of the file's own mistakes is printed, named by file, and gives undefined.
 */
function readChecked<T>(file: string, parse: (text: string) => T, fileError: new (...args: never[]) => Error): T | undefined {
  try {
    return parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    if (e instanceof fileError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`${file}: ${(e as Error).message}`)
      return undefined
    }
    throw e
  }
}

async function importPlaces(file: string): Promise<number> {
  const places = readChecked(file, registryFromCsv, RegistryCsvError)
  if (!places) return 1
  const store = await createStore(loadConfig())
  try {
    await migrate(store.admin)
    await replaceRegistry(store.admin, places)
  } finally {
    await store.close()
  }
  const count = (level: string) => places.filter((p) => p.level === level).length
  console.log(
    `imported ${places.length} places: ${count('district')} districts, ${count('street')} streets, ${count('community')} communities, ${count('grid')} grids, ${count('micro_grid')} micro-grids`,
  )
  return 0
}

async function importBoundaries(file: string): Promise<number> {
  // Any code passes here: which places exist is known only once the store is open.
  const text = readChecked(file, (t) => (boundariesFromGeoJson(t, () => true), t), BoundaryGeoJsonError)
  if (text === undefined) return 1
  const store = await createStore(loadConfig())
  try {
    await migrate(store.admin)
    const places = new Map((await loadPlaces(store.admin)).map((p) => [p.code, p]))
    if (places.size === 0) {
      console.error('the registry is empty: import the places (CSV) before their boundaries')
      return 1
    }
    let boundaries
    try {
      boundaries = boundariesFromGeoJson(text, (code) => places.has(code))
    } catch (e) {
      if (!(e instanceof BoundaryGeoJsonError)) throw e
      console.error(`${file}: ${e.message}`)
      return 1
    }
    await saveBoundaries(store.admin, boundaries, 'import')
    const byLevel = PLACE_LEVELS.map((level) => [level, boundaries.filter((b) => places.get(b.code)?.level === level).length] as const)
    const counts = byLevel.filter(([, n]) => n > 0).map(([level, n]) => `${level}: ${n}`)
    console.log(`imported ${boundaries.length} ${boundaries.length === 1 ? 'boundary' : 'boundaries'}${counts.length > 0 ? ` (${counts.join(', ')})` : ''}`)
    return 0
  } finally {
    await store.close()
  }
}

async function main(): Promise<number> {
  const file = process.argv[2]
  if (!file) {
    console.error(USAGE)
    return 2
  }
  return /\.(geo)?json$/i.test(file) ? importBoundaries(file) : importPlaces(file)
}

main().then((code) => process.exit(code))
