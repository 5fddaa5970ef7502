/**
 * Sign-in in a real browser: the wall sends an anonymous visitor to /login, a wrong password is
 * shown as an error, the right one lands on the wall with the user named in the header; a
 * leader's wall opens on their own street; sign-out ends it. A kiosk link never redirects.
 * Fixture: GridPulse with the demo registry, the admin created with ADMIN_PASSWORD, a leader of
 * 大弯街道 created through the admin API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { ADMIN_PASSWORD, DISPLAY_TOKEN, signIn, startTestApp, type TestApp } from '../support/app.ts'
import { launchChromium } from '../support/browser.ts'

let app: TestApp
let browser: Browser
const PASSWORD = 'leader-password-0123'

beforeAll(async () => {
  app = await startTestApp()
  const admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  const res = await fetch(`${app.url}/api/v1/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    body: JSON.stringify({ username: 'dawan-leader', displayName: '大弯街道 王主任', role: 'leader', scope: 'street:qingbaijiang.dawan', password: PASSWORD }),
  })
  expect(res.status).toBe(201)
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.stopAndClean()
})

describe('signing in to the wall', () => {
  it('sends an anonymous visitor to the login page, and signs a leader in to their street', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${app.url}/`)
    await page.waitForURL(/\/login/)
    await page.fill('[data-testid="login-username"]', 'dawan-leader')
    await page.fill('[data-testid="login-password"]', 'not-the-password')
    await page.click('[data-testid="login-submit"]')
    await expect.poll(() => page.textContent('[data-testid="login-error"]')).toBeTruthy()
    await page.fill('[data-testid="login-password"]', PASSWORD)
    await page.click('[data-testid="login-submit"]')
    await page.waitForSelector('[data-testid="kpi-reported"][data-value]')
    await expect.poll(() => page.textContent('[data-testid="signed-in-user"]')).toContain('王主任')
    await expect.poll(() => page.textContent('[data-testid="scope-name"]')).toContain('大弯街道')
    await page.click('[data-testid="sign-out"]')
    await page.waitForURL(/\/login/)
    expect(errors).toEqual([])
    await page.close()
  })

  it('keeps a kiosk link on the wall without signing in', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(`${app.url}/?scope=city&token=${DISPLAY_TOKEN}`)
    await page.waitForSelector('[data-testid="kpi-reported"][data-value]')
    expect(page.url()).not.toMatch(/\/login/)
    expect(await page.locator('[data-testid="sign-out"]').count()).toBe(0)
    await page.close()
  })
})
