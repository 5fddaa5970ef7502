/**
 * The admin page in a real browser: a city admin signs in, makes a wall display token, opens
 * the kiosk link it shows (the wall comes up without signing in), then revokes the token from
 * the page and the open kiosk wall loses its connection at once.
 * Fixture: GridPulse with the demo registry and the admin created with ADMIN_PASSWORD.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/app.ts'
import { launchChromium } from '../support/browser.ts'

let app: TestApp
let browser: Browser

beforeAll(async () => {
  app = await startTestApp()
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.stopAndClean()
})

describe('the admin page', () => {
  it('makes a display token whose kiosk link shows the wall, and revoking it cuts that wall off', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    const admin = await context.newPage()
    await admin.goto(`${app.url}/login?next=/admin`)
    await admin.fill('[data-testid="login-username"]', 'admin')
    await admin.fill('[data-testid="login-password"]', ADMIN_PASSWORD)
    await admin.click('[data-testid="login-submit"]')
    await admin.waitForSelector('[data-testid="admin-users"]')
    await admin.click('[data-testid="admin-tab-keys"]')
    await admin.selectOption('[data-testid="admin-key-kind"]', 'display')
    await admin.fill('[data-testid="admin-key-name"]', '指挥中心大屏')
    await admin.click('[data-testid="admin-key-submit"]')
    const link = await admin.inputValue('[data-testid="admin-key-kiosk-link"]')
    expect(link).toMatch(/\?scope=city&token=gpd_/)
    const keyId = await admin.getAttribute('[data-testid="admin-key-secret"]', 'data-key-id')

    // The kiosk runs in its own browser, with no session.
    const kioskContext = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const kiosk = await kioskContext.newPage()
    await kiosk.goto(link)
    await kiosk.waitForSelector('[data-testid="connection-state"][data-state="connected"]')
    expect(kiosk.url()).not.toMatch(/\/login/)

    await admin.click('[data-testid="admin-key-secret-dismiss"]')
    const revoke = admin.locator(`[data-testid="admin-key-row"][data-key-id="${keyId}"] [data-testid="admin-key-revoke"]`)
    await revoke.click()
    await revoke.click()
    await admin.waitForSelector(`[data-testid="admin-key-row"][data-key-id="${keyId}"][data-revoked="true"]`)
    await kiosk.waitForSelector('[data-testid="connection-state"]:not([data-state="connected"])', { timeout: 10_000 })
    await kioskContext.close()
    await context.close()
  })
})
