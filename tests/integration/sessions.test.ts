/**
 * Session lifetime on the real store: a session works until it expires, then it is gone; an
 * ended session stays ended after the store is read again (as after a restart).
 * Fixture: a migrated embedded store in a temp dir and a clock the test moves.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../sql/store.ts'
import { migrate } from '../../sql/migrate.ts'
import { SESSION_TTL_MS, SessionStore } from '../../server/auth/sessions.ts'

let store: Store
let dir: string
let now = Date.now()

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-sessions-'))
  store = await createStore({ dataDir: dir })
  await migrate(store.admin)
})
afterAll(async () => {
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('sessions', () => {
  it('expire after their lifetime', async () => {
    const sessions = new SessionStore(store.admin, () => now)
    const { cookie } = await sessions.create('user-1')
    expect(sessions.get(cookie)?.userId).toBe('user-1')
    now += SESSION_TTL_MS - 1000
    expect(sessions.get(cookie)?.userId).toBe('user-1')
    now += 2000
    expect(sessions.get(cookie)).toBeUndefined()
  })

  it('stay ended after a restart, while live ones survive it', async () => {
    now = Date.now()
    const sessions = new SessionStore(store.admin, () => now)
    const ended = await sessions.create('user-2')
    const kept = await sessions.create('user-3')
    await sessions.end(sessions.get(ended.cookie)!)
    const reloaded = new SessionStore(store.admin, () => now)
    await reloaded.load()
    expect(reloaded.get(ended.cookie)).toBeUndefined()
    expect(reloaded.get(kept.cookie)?.userId).toBe('user-3')
    expect(reloaded.get('a-cookie-never-issued')).toBeUndefined()
  })
})
