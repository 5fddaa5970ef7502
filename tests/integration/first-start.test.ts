/**
 * First start in production: secrets come from the environment or the start is refused with a
 * message naming the variable; no demo users or kiosk token exist outside demo mode's dev use.
 * Fixture: one temp data dir, started twice with NODE_ENV=production.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.ts'
import { startGridPulse, type GridPulse } from '../../server/gridpulse.ts'
import { createLogger } from '../../server/log.ts'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-first-'))
const base = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', NODE_ENV: 'production' }
let gp: GridPulse | undefined

afterAll(async () => {
  await gp?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

describe('first start in production', () => {
  it('is refused without GRIDPULSE_ADMIN_PASSWORD, naming the variable', async () => {
    const err = await startGridPulse(loadConfig(base, {}), createLogger('test', true)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/^"GRIDPULSE_ADMIN_PASSWORD" is required on first start in production/)
  })

  it('starts with it, signs the admin in with it, and makes no demo users or kiosk token', async () => {
    gp = await startGridPulse(loadConfig({ ...base, GRIDPULSE_ADMIN_PASSWORD: 'prod-admin-password-01' }, {}), createLogger('test', true))
    expect(gp.firstStart.adminPassword).toBeUndefined()
    expect(gp.firstStart.demoUsers).toEqual([])
    expect(gp.firstStart.kioskToken).toBeUndefined()
    const signIn = (username: string, password: string) =>
      fetch(`${gp!.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
    const ok = await signIn('admin', 'prod-admin-password-01')
    expect(ok.status).toBe(200)
    expect(ok.headers.get('set-cookie')).toMatch(/; Secure$/)
    expect((await signIn('demo-leader', 'gridpulse-demo')).status).toBe(401)
    // Security headers from helmet on every answer.
    const res = await fetch(`${gp.url}/healthz`)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
