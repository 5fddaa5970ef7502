/**
 * `npm run registry:import -- places.csv`: imports a real registry into the store in DATA_DIR
 * (or CLICKHOUSE_URL). The embedded store belongs to one process at a time, so stop GridPulse
 * first when it runs embedded (or use the admin page, which imports into the running server).
 * The file is the whole registry: places it does not list are removed.
 */
import fs from 'node:fs'
import { loadConfig } from '../../server/config.ts'
import { createStore } from '../../sql/store.ts'
import { migrate } from '../../sql/migrate.ts'
import { RegistryCsvError, registryFromCsv } from './csv.ts'
import { replaceRegistry } from './store.ts'

async function main(): Promise<number> {
  const file = process.argv[2]
  if (!file) {
    console.error('usage: npm run registry:import -- <places.csv>\n  columns: code,level,parent,name,name_en,households,key_households,lat,lon')
    return 2
  }
  let places
  try {
    places = registryFromCsv(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    if (e instanceof RegistryCsvError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`${file}: ${(e as Error).message}`)
      return 1
    }
    throw e
  }
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

main().then((code) => process.exit(code))
