/**
 * Starting for real: in production secrets come from the environment or the start is refused,
 * naming the variable; demo accounts (public passwords) stop working as soon as a start is not
 * in demo mode or is in production.
 * Fixture: one temp data dir, started three times (production without a password; demo mode;
 * production).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../server/config.ts'
import { startGridPulse, type GridPulse } from '../../server/gridpulse.ts'
import { createLogger } from '../../server/log.ts'
import { DEMO_PASSWORD } from '../../server/auth/bootstrap.ts'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-first-'))
const base = { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', GRIDPULSE_ADMIN_PASSWORD: 'prod-admin-password-01' }
let gp: GridPulse | undefined
let kioskToken: string | undefined

afterAll(async () => {
  await gp?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

const signIn = (username: string, password: string) =>
  fetch(`${gp!.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) })
const kiosk = () => fetch(`${gp!.url}/api/v1/live?token=${kioskToken}`)

describe('starting GridPulse', () => {
  it('is refused in production without GRIDPULSE_ADMIN_PASSWORD on first start, naming the variable', async () => {
    const { GRIDPULSE_ADMIN_PASSWORD: _omit, ...noPassword } = base
    const err = await startGridPulse(loadConfig({ ...noPassword, NODE_ENV: 'production' }, {}), createLogger('test', true)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toMatch(/^"GRIDPULSE_ADMIN_PASSWORD" is required on first start in production/)
  })

  it('in demo mode makes demo users and a kiosk token that work', async () => {
    gp = await startGridPulse(loadConfig(base, {}), createLogger('test', true))
    expect(gp.firstStart.demoUsers.map((u) => u.username)).toEqual(['demo-leader', 'demo-analyst', 'demo-admin'])
    kioskToken = gp.firstStart.kioskToken
    expect((await signIn('demo-admin', DEMO_PASSWORD)).status).toBe(200)
    expect((await kiosk()).status).toBe(200)
    await gp.close()
  })

  it('in production disables the demo users and the kiosk token left from demo mode', async () => {
    gp = await startGridPulse(loadConfig({ ...base, NODE_ENV: 'production' }, {}), createLogger('test', true))
    expect(gp.firstStart.adminPassword).toBeUndefined()
    expect(gp.firstStart.demoUsers).toEqual([])
    expect(gp.firstStart.kioskToken).toBeUndefined()
    expect((await signIn('demo-admin', DEMO_PASSWORD)).status).toBe(401)
    expect((await kiosk()).status).toBe(401)
    const ok = await signIn('admin', 'prod-admin-password-01')
    expect(ok.status).toBe(200)
    expect(ok.headers.get('set-cookie')).toMatch(/; Secure$/)
    // Security headers from helmet on every answer.
    const res = await fetch(`${gp.url}/healthz`)
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })
})
