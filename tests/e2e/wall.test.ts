/**
 * The wall in a real browser: it loads, shows live figures, and its counter moves when events
 * are posted, without a reload. Fixture: GridPulse with the demo registry, no events, and the
 * built dashboard (`npm test` builds it first). Screenshots go to tests/e2e/artifacts/.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { DISPLAY_TOKEN, startTestApp, type TestApp } from '../support/app.ts'
import { launchChromium } from '../support/browser.ts'

const ARTIFACTS = path.resolve('tests/e2e/artifacts')
let app: TestApp
let browser: Browser
let microGrid: string

beforeAll(async () => {
  if (!fs.existsSync('dashboard/dist/index.html')) throw new Error('dashboard/dist is missing: run `npm run build` first (npm test does)')
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  app = await startTestApp()
  microGrid = app.registry().places.find((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))!.code
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.stopAndClean()
})

async function kpi(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid="kpi-reported"]', 'data-value'))
}

function reports(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const id = `E2E-${process.pid}-${Date.now()}-${i}`
    return { event_id: `${id}-r`, report_id: id, type: 'reported', at: new Date(app.now() - 1000).toISOString(), micro_grid: microGrid, category: i === 0 ? 'emergency' : 'clutter', channel: 'phone', reporter_role: 'resident', note: '电梯困人，已通知物业' }
  })
}

describe('the wall in headless Chromium', () => {
  it('shows the street, then moves the reported counter live when events are posted', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    const errors: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(`${app.url}/?scope=street:qingbaijiang.dawan&token=${DISPLAY_TOKEN}`)
    await page.waitForSelector('[data-testid="kpi-reported"][data-value]')
    await expect.poll(() => page.textContent('body')).toContain('大弯街道')
    const before = await kpi(page)

    const res = await app.post('reports', reports(3))
    expect(res.body.accepted).toBe(3)
    await expect.poll(() => kpi(page), { timeout: 10_000 }).toBe(before + 3)
    await expect.poll(() => page.textContent('[data-testid="kpi-reported"]'), { timeout: 5_000 }).toBe(String(before + 3))
    await page.screenshot({ path: path.join(ARTIFACTS, 'wall-1920x1080.png') })
    expect(errors).toEqual([])
    await page.close()
  })

  it('lists an emergency past its verification SLA in the overdue panel', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(`${app.url}/?scope=street:qingbaijiang.dawan&token=${DISPLAY_TOKEN}`)
    await page.waitForSelector('[data-testid="overdue-panel"]')
    const id = `E2E-late-${process.pid}-${Date.now()}`
    // Emergencies are to be verified within 10 minutes; this one was reported an hour ago, unverified.
    const res = await app.post('reports', { event_id: `${id}-r`, report_id: id, type: 'reported', at: new Date(app.now() - 3_600_000).toISOString(), micro_grid: microGrid, category: 'emergency', channel: 'phone', reporter_role: 'resident' })
    expect(res.body.accepted).toBe(1)
    const row = page.locator(`[data-testid="overdue-item"][data-report-id="${id}"]`)
    await row.waitFor({ timeout: 10_000 })
    expect(await row.getAttribute('data-stage')).toBe('verify')
    expect(await row.textContent()).toContain('紧急求助')
    await page.close()
  })

  it('switches to English with ?lang=en', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
    await page.goto(`${app.url}/?scope=street:qingbaijiang.dawan&lang=en&token=${DISPLAY_TOKEN}`)
    await page.waitForSelector('[data-testid="kpi-reported"][data-value]')
    await expect.poll(() => page.textContent('body')).toContain('Dawan')
    await page.close()
  })
})
