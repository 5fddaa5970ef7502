/**
 * The wall left on for weeks, in headless Chromium: it fits both wall sizes without scrolling
 * or clipping, drills down by a click, raises an emergency alert, rolls "today" over at local
 * midnight (the app's clock starts at 23:59:48), reconnects and re-syncs by itself after a
 * server restart, and does not grow while patches keep coming. No console errors throughout.
 * Fixture: GridPulse with the demo registry and no events, restarted in place once.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { DISPLAY_TOKEN, startTestApp, type TestApp } from '../support/app.ts'
import { launchChromium } from '../support/browser.ts'

const ARTIFACTS = path.resolve('tests/e2e/artifacts')
const STREET = 'street:qingbaijiang.dawan'
/** The app's clock starts this close to local midnight. */
const BEFORE_MIDNIGHT_MS = 12_000
let app: TestApp
let browser: Browser
let microGrid: string
let seq = 0

beforeAll(async () => {
  if (!fs.existsSync('dashboard/dist/index.html')) throw new Error('dashboard/dist is missing: run `npm run build` first (npm test does)')
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  app = await startTestApp({}, { localTime: 86_400_000 - BEFORE_MIDNIGHT_MS })
  microGrid = app.registry().places.find((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))!.code
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  await app?.stopAndClean()
})

function report(category = 'clutter', at = app.now() - 100) {
  const id = `WW-${process.pid}-${++seq}`
  return { event_id: `${id}-r`, report_id: id, type: 'reported', at: new Date(at).toISOString(), micro_grid: microGrid, category, channel: 'app', reporter_role: 'mobile_worker', note: '楼道堆放杂物' }
}

/** `query` is appended to the kiosk link; the hotspot views hold still unless it says otherwise. */
async function openWall(width: number, height: number, query = '&cycle=0'): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height } })
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(String(e)))
  await page.goto(`${app.url}/?scope=${STREET}&token=${DISPLAY_TOKEN}${query}`)
  await page.waitForSelector('[data-testid="kpi-reported"][data-value]')
  return { page, errors }
}

const attr = (page: Page, sel: string, name: string) => page.getAttribute(sel, name)
const reportedKpi = async (page: Page) => Number(await attr(page, '[data-testid="kpi-reported"]', 'data-value'))

describe('a wall left on for weeks', () => {
  it('rolls today over at local midnight: the day changes and today’s count starts again', async () => {
    const { page, errors } = await openWall(1920, 1080)
    const day = await attr(page, '[data-testid="wall"]', 'data-day')
    expect((await app.post('reports', [report(), report()])).body.accepted).toBe(2)
    await expect.poll(() => reportedKpi(page), { timeout: 10_000 }).toBe(2)
    // The app's clock passes midnight within BEFORE_MIDNIGHT_MS of its start.
    await expect.poll(() => attr(page, '[data-testid="wall"]', 'data-day'), { timeout: BEFORE_MIDNIGHT_MS + 10_000 }).not.toBe(day)
    await expect.poll(() => reportedKpi(page), { timeout: 5_000 }).toBe(0)
    // Yesterday's two are now yesterday's: the open count keeps them.
    expect(Number(await attr(page, '[data-testid="kpi-open"]', 'data-value'))).toBe(2)
    expect(errors).toEqual([])
    await page.close()
  })

  it('fits 1920×1080 and 3840×2160 without scrolling or clipping a panel', async () => {
    // Some figures first, so lists and charts have rows (a moment after midnight, so they are today's).
    await new Promise((r) => setTimeout(r, 500))
    expect((await app.post('reports', [report('flying_wire_charging'), report('sanitation'), report('illegal_parking')])).body.accepted).toBe(3)
    await app.settle()
    for (const [w, h] of [
      [1920, 1080],
      [3840, 2160],
    ] as const) {
      const { page, errors } = await openWall(w, h)
      await expect.poll(() => reportedKpi(page), { timeout: 10_000 }).toBe(3)
      await page.waitForTimeout(800)
      const overflow = await page.evaluate(() => {
        const doc = document.scrollingElement!
        const out: string[] = []
        if (doc.scrollHeight > window.innerHeight || doc.scrollWidth > window.innerWidth) out.push('page scrolls')
        const stage = document.querySelector('[data-testid="stage"]')!.getBoundingClientRect()
        if (stage.right > window.innerWidth + 1 || stage.bottom > window.innerHeight + 1) out.push('stage larger than the window')
        for (const el of document.querySelectorAll<HTMLElement>('[data-testid$="-panel"], [data-testid="kpi-row"] > *')) {
          const body = el.querySelector<HTMLElement>('.body') ?? el
          if (body.scrollHeight > body.clientHeight + 2 || body.scrollWidth > body.clientWidth + 2) out.push(`${el.dataset.testid ?? el.className} overflows`)
        }
        return out
      })
      expect(overflow).toEqual([])
      await page.screenshot({ path: path.join(ARTIFACTS, `wall-${w}x${h}.png`) })
      expect(errors).toEqual([])
      await page.close()
    }
  })

  it('drills down from a click on a ranking row, and Back returns', async () => {
    const { page, errors } = await openWall(1920, 1080)
    const row = page.locator('[data-testid="ranking-row"]').first()
    const code = await row.getAttribute('data-code')
    await row.click()
    await expect.poll(() => attr(page, '[data-testid="wall"]', 'data-scope')).toBe(`community:${code}`)
    expect(page.url()).toContain(`scope=community:${code}`)
    await page.goBack()
    await expect.poll(() => attr(page, '[data-testid="wall"]', 'data-scope')).toBe(STREET)
    expect(errors).toEqual([])
    await page.close()
  })

  it('drills down from a click on an area of the map, and its hexes follow the scope', async () => {
    const { page, errors } = await openWall(1920, 1080)
    await page.click('[data-testid="hotspot-map"]')
    const map = page.locator('[data-testid="map"]')
    await expect.poll(async () => Number(await map.getAttribute('data-areas')), { timeout: 10_000 }).toBeGreaterThan(1)
    // The reports posted earlier are in one community's cells at the street's resolution.
    await expect.poll(async () => Number(await map.getAttribute('data-hexes')), { timeout: 10_000 }).toBeGreaterThan(0)
    const community = app.registry().microGridPath(microGrid)!.community
    const point = await page.evaluate((code) => (window as unknown as { __gridpulseMap?: { pixelOf(c: string): [number, number] | null } }).__gridpulseMap?.pixelOf(code) ?? null, community)
    expect(point).not.toBeNull()
    await page.mouse.click(point![0], point![1])
    await expect.poll(() => attr(page, '[data-testid="wall"]', 'data-scope')).toBe(`community:${community}`)
    await expect.poll(() => map.getAttribute('data-scope'), { timeout: 10_000 }).toBe(`community:${community}`)
    expect(errors).toEqual([])
    await page.close()
  })

  it('as a kiosk, visits the street and then its communities on a timer, and the hotspot views take turns', async () => {
    const { page, errors } = await openWall(1920, 1080, '&rotate=10&cycle=10')
    expect(await attr(page, '[data-testid="hotspot-panel"]', 'data-view')).toBe('map')
    const first = (await app.hub.snapshot(STREET)).children[0]!.code
    await expect.poll(() => attr(page, '[data-testid="wall"]', 'data-scope'), { timeout: 15_000 }).toBe(`community:${first}`)
    expect(page.url()).toContain(`scope=community:${first}`)
    await expect.poll(() => attr(page, '[data-testid="hotspot-panel"]', 'data-view'), { timeout: 5_000 }).toBe('heat')
    expect(errors).toEqual([])
    await page.close()
  })

  it('redraws a chart only when a patch changes its data', async () => {
    const { page, errors } = await openWall(1920, 1080, '&cycle=0')
    await page.click('[data-testid="hotspot-heat"]')
    const heat = page.locator('[data-testid="heatmap"]')
    await expect.poll(async () => Number(await heat.getAttribute('data-renders'))).toBeGreaterThan(0)
    const renders = async () => Number(await heat.getAttribute('data-renders'))
    const seqNow = async () => Number(await attr(page, '[data-testid="wall"]', 'data-seq'))
    // A report in another street moves the city, not this street's heatmap.
    const elsewhere = app.registry().places.find((p) => p.level === 'micro_grid' && p.code.startsWith('wenjiang.'))!.code
    const before = await renders()
    expect((await app.post('reports', { ...report(), micro_grid: elsewhere })).body.accepted).toBe(1)
    await app.settle()
    await page.waitForTimeout(500)
    expect(await renders()).toBe(before)
    // One in this street lands in its heatmap: redrawn once more.
    const seq = await seqNow()
    expect((await app.post('reports', report())).body.accepted).toBe(1)
    await expect.poll(seqNow, { timeout: 10_000 }).toBeGreaterThan(seq)
    await expect.poll(renders, { timeout: 5_000 }).toBe(before + 1)
    expect(errors).toEqual([])
    await page.close()
  })

  it('raises an emergency alert at once: listed, and the wall flashes', async () => {
    const { page, errors } = await openWall(1920, 1080)
    const emergency = report('emergency')
    expect((await app.post('reports', emergency)).body.accepted).toBe(1)
    const alert = page.locator(`[data-testid="alert"][data-id="emergency:${emergency.report_id}"]`)
    await alert.waitFor({ timeout: 10_000 })
    expect(await alert.getAttribute('data-kind')).toBe('emergency')
    expect(Number(await attr(page, '[data-testid="wall"]', 'data-alerts-raised'))).toBeGreaterThanOrEqual(1)
    expect(await page.locator('.wall.flashing').count()).toBe(1)
    expect(errors).toEqual([])
    await page.close()
  })

  it('does not grow: DOM nodes, listeners and heap stay flat while patches keep coming', async () => {
    const { page, errors } = await openWall(1920, 1080)
    const cdp = await page.context().newCDPSession(page)
    const measure = async () => {
      await cdp.send('HeapProfiler.collectGarbage')
      const dom = (await cdp.send('Memory.getDOMCounters')) as { nodes: number; jsEventListeners: number }
      const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number }
      return { nodes: dom.nodes, listeners: dom.jsEventListeners, heap: heap.usedSize }
    }
    const burst = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const before = Number(await attr(page, '[data-testid="wall"]', 'data-seq'))
        expect((await app.post('reports', [report('clutter'), report('sanitation')])).body.accepted).toBe(2)
        await expect.poll(async () => Number(await attr(page, '[data-testid="wall"]', 'data-seq')), { timeout: 10_000 }).toBeGreaterThan(before)
      }
    }
    await burst(15) // the ticker fills up to its length; charts have drawn
    const first = await measure()
    await burst(40)
    const second = await measure()
    // Steady state: what is on screen is bounded, so a longer run holds no more. A few listeners
    // come and go with what is listed (a row that becomes clickable); a leak of one per patch
    // would add 40 or more.
    expect(second.nodes).toBeLessThanOrEqual(first.nodes * 1.05 + 50)
    expect(second.listeners).toBeLessThanOrEqual(first.listeners + 20)
    expect(second.heap).toBeLessThan(first.heap * 1.5)
    expect(errors).toEqual([])
    await page.close()
  })

  it('reconnects and re-syncs by itself after a server restart, then keeps counting', async () => {
    const { page, errors } = await openWall(1920, 1080)
    const resyncs = Number(await attr(page, '[data-testid="wall"]', 'data-resyncs'))
    const { dataDir, port } = app
    await app.close()
    await expect.poll(() => attr(page, '[data-testid="connection-state"]', 'data-state'), { timeout: 10_000 }).not.toBe('connected')
    app = await startTestApp({ DATA_DIR: dataDir, PORT: String(port) })
    await expect.poll(() => attr(page, '[data-testid="connection-state"]', 'data-state'), { timeout: 30_000 }).toBe('connected')
    await expect.poll(async () => Number(await attr(page, '[data-testid="wall"]', 'data-resyncs')), { timeout: 30_000 }).toBeGreaterThan(resyncs)
    // The restarted app's clock reads noon of the earlier day: the wall takes the server's
    // figures afresh rather than keeping what it showed before the drop.
    const served = (await app.hub.snapshot(STREET)).today.reported
    await expect.poll(() => reportedKpi(page), { timeout: 10_000 }).toBe(served)
    expect((await app.post('reports', report())).body.accepted).toBe(1)
    await expect.poll(() => reportedKpi(page), { timeout: 10_000 }).toBe(served + 1)
    // The socket's drop itself may log a failed reconnect attempt, or a request the stopping server
    // reset or cut off before it connected (Chromium says ERR_SOCKET_NOT_CONNECTED when the server
    // closes as the request goes out: seen once in CI); nothing else may.
    expect(errors.filter((e) => !/ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|ERR_SOCKET_NOT_CONNECTED|WebSocket connection/.test(e))).toEqual([])
    await page.close()
  })
})
