/**
 * An embedded store in a temporary folder, migrated up to a version: the fixture of the tests of
 * one migration, which fill it as the version before left it and then apply the one under test.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createStore, type Store } from '../../sql/store.ts'
import { migrate, readMigrations } from '../../sql/migrate.ts'

export interface MigratedStore {
  store: Store
  dir: string
  /** Closes the store and deletes its folder; again is harmless. */
  remove(): Promise<void>
}

export async function storeMigratedTo(version: number): Promise<MigratedStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gridpulse-at-${version}-`))
  const store = await createStore({ dataDir: dir })
  await migrate(store.admin, readMigrations().filter((m) => m.version <= version))
  let removed = false
  return {
    store,
    dir,
    async remove() {
      if (removed) return
      removed = true
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
