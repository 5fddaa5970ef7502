/** Migrations apply to an empty embedded store, are recorded, and are never applied twice. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../sql/store.ts'
import { migrate, readMigrations, splitStatements } from '../../sql/migrate.ts'

let store: Store
let dir: string

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-migrate-'))
  store = await createStore({ dataDir: dir })
})
afterAll(async () => {
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the migrator', () => {
  it('applies every migration to an empty store and records them', async () => {
    const all = readMigrations()
    expect(await migrate(store.admin)).toEqual(all.map((m) => m.version))
    const rs = await store.admin.query({ query: 'SELECT version FROM schema_migrations ORDER BY version', format: 'JSONEachRow' })
    expect((await rs.json<{ version: number }>()).map((r) => r.version)).toEqual(all.map((m) => m.version))
    const tables = await store.admin.query({ query: "SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name", format: 'JSONEachRow' })
    expect((await tables.json<{ name: string }>()).map((t) => t.name)).toEqual(
      expect.arrayContaining(['places', 'report_events', 'report_state', 'report_state_mv', 'visit_events', 'api_keys']),
    )
  })

  it('applies nothing the second time', async () => {
    expect(await migrate(store.admin)).toEqual([])
  })

  it('refuses a migration whose text changed after it was applied', async () => {
    const changed = readMigrations().map((m, i) => (i === 0 ? { ...m, checksum: 'edited' } : m))
    await expect(migrate(store.admin, changed)).rejects.toThrow(/changed after it was applied/)
  })

  it('documents every column of the tables analysts read', async () => {
    const rs = await store.admin.query({
      query: "SELECT table, name FROM system.columns WHERE database = currentDatabase() AND table IN ('places','report_events','report_state','visit_events') AND comment = ''",
      format: 'JSONEachRow',
    })
    expect(await rs.json()).toEqual([])
  })

  it('splits statements on line-ending semicolons and drops comment lines', () => {
    expect(splitStatements('-- why;\nCREATE TABLE a (x String COMMENT \'a;b\');\n\nSELECT 1;\n')).toEqual(["CREATE TABLE a (x String COMMENT 'a;b')", 'SELECT 1'])
  })
})
