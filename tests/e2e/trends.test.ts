/**
 * The leaders' monthly review (/trends) in a real browser: a leader signs in and lands on their
 * street's review; the KPI strip and the year to date show what `GET /api/v1/trends` answers for
 * the same URL; the ranking follows `rankUnits` and reorders when the measure changes; a unit
 * opens its own review (URL and heading) and Back returns; a chart saves as PNG; the pack links
 * name the scope and the last month; English works; an empty range says so; a display token,
 * a scope outside the leader's and a bad month are refused in words.
 *
 * Fixture: GridPulse with the demo registry and no events; the admin (ADMIN_PASSWORD) creates a
 * leader of 大弯街道. Reports over HTTP in three communities of 大弯街道, this month (this
 * morning; the app's clock is pinned to local noon) and the month before (on its 1st, in the
 * morning, so within the bases of a month under way on any day):
 * - A (the larger of two): this month 6 illegal-parking reports, verified, resolved and closed
 *   within the 8-hour SLA; last month 4 the same way.
 * - B (the smaller): this month 13 reports (4 by mobile grid workers): 3 closed in time,
 *   3 emergencies closed after their 1-hour SLA, 1 closed in time and then reopened, 5 only
 *   verified, 1 rejected. Last month 5 closed, 2 in time.
 * - C: this month 2 closed (below the ranking's minimum volume of 5).
 * So on on-time closure A ranks above B, and on reports per 100 households B above A.
 * Screenshots go to tests/e2e/artifacts/.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { ADMIN_PASSWORD, DISPLAY_TOKEN, signIn, startTestApp, type TestApp } from '../support/app.ts'
import { launchChromium } from '../support/browser.ts'
import { MEASURES, compare, rankUnits, type MeasureKey } from '../../server/contracts/trendMeasures.ts'
import type { PeriodFigures, TrendsReport } from '../../server/contracts/trends.ts'
import { monthOf, monthStart } from '../../server/trends/calendar.ts'

const ARTIFACTS = path.resolve('tests/e2e/artifacts')
const STREET = 'qingbaijiang.dawan'
const TZ = 'Asia/Shanghai'
const MIN = 60_000
const DAY = 86_400_000
const PASSWORD = 'leader-password-0123'
let app: TestApp
let browser: Browser
let leader: BrowserContext
let communityA: string
let communityB: string
let communityC: string
let seq = 0

const iso = (ms: number) => new Date(ms).toISOString()

/** One report's events: reported at `at`, then each step `[type, minutes after]`. */
function report(mg: string, category: string, at: number, steps: Array<[string, number]>, role = 'grid_worker') {
  const id = `TR-${process.pid}-${++seq}`
  return [
    { event_id: `${id}-r`, report_id: id, type: 'reported', at: iso(at), micro_grid: mg, category, channel: 'app', reporter_role: role },
    ...steps.map(([type, after], i) => ({ event_id: `${id}-${i}-${type}`, report_id: id, type, at: iso(at + after * MIN), micro_grid: mg })),
  ]
}

const closedInTime: Array<[string, number]> = [['verified', 10], ['resolved', 60], ['closed', 90]]
const closedLate: Array<[string, number]> = [['verified', 5], ['resolved', 100], ['closed', 120]]

beforeAll(async () => {
  if (!fs.existsSync('dashboard/dist/index.html')) throw new Error('dashboard/dist is missing: run `npm run build` first (npm test does)')
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  app = await startTestApp()
  const reg = app.registry()
  const admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  const res = await fetch(`${app.url}/api/v1/admin/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    body: JSON.stringify({ username: 'dawan-leader', displayName: '大弯街道 王主任', role: 'leader', scope: `street:${STREET}`, password: PASSWORD }),
  })
  expect(res.status).toBe(201)

  // Three communities; B has no more households than A, so per 100 households B's 12 reports beat A's 6.
  const communities = reg.places.filter((p) => p.level === 'community' && p.parent === STREET).sort((a, b) => b.households - a.households)
  communityA = communities[0]!.code
  communityB = communities[communities.length - 1]!.code
  communityC = communities[1]!.code
  const mg = (community: string) => reg.places.find((p) => p.level === 'micro_grid' && reg.microGridPath(p.code)?.community === community)!.code
  const [mgA, mgB, mgC] = [mg(communityA), mg(communityB), mg(communityC)]

  const now = app.now()
  const morning = now - 4 * 60 * MIN // this month: every step lands before now (noon) and after midnight
  // The month before, from 01:00 local on its 1st: before the cut the review compares a month
  // under way with (its bases run to the same day and hour), whatever day of the month it is.
  const lastMonth = monthStart(monthOf(monthStart(monthOf(now, TZ), TZ) - DAY, TZ), TZ) + 60 * MIN
  const events = [
    // This month.
    ...Array.from({ length: 6 }, (_, i) => report(mgA, 'illegal_parking', morning + i * MIN, closedInTime)),
    ...Array.from({ length: 3 }, (_, i) => report(mgB, 'illegal_parking', morning + i * MIN, closedInTime, i === 0 ? 'mobile_worker' : 'grid_worker')),
    ...Array.from({ length: 3 }, (_, i) => report(mgB, 'emergency', morning + (10 + i) * MIN, closedLate)),
    report(mgB, 'illegal_parking', morning + 20 * MIN, [...closedInTime, ['reopened', 110]]),
    ...Array.from({ length: 5 }, (_, i) => report(mgB, 'clutter', morning + (30 + i) * MIN, [['verified', 30]], i < 3 ? 'mobile_worker' : 'grid_worker')),
    report(mgB, 'illegal_ads', morning + 40 * MIN, [['rejected', 20]]),
    ...Array.from({ length: 2 }, (_, i) => report(mgC, 'sanitation', morning + i * MIN, closedInTime)),
    // The month before.
    ...Array.from({ length: 4 }, (_, i) => report(mgA, 'illegal_parking', lastMonth + i * 60 * MIN, closedInTime)),
    ...Array.from({ length: 2 }, (_, i) => report(mgB, 'sanitation', lastMonth + i * 60 * MIN, closedInTime)),
    ...Array.from({ length: 3 }, (_, i) => report(mgB, 'emergency', lastMonth + (3 + i) * 60 * MIN, closedLate)),
  ].flat()
  const posted = await app.post('reports', events)
  expect(posted.body.rejected).toEqual([])
  expect(posted.body.accepted).toBe(events.length)
  await app.settle()
  browser = await launchChromium()
  leader = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
})

afterAll(async () => {
  await leader?.close()
  await browser?.close()
  await app?.stopAndClean()
})

/** The same report the page shows, asked with the page's own cookie and query. */
async function apiFor(page: Page): Promise<TrendsReport> {
  const url = new URL(page.url())
  const q = new URLSearchParams({ scope: url.searchParams.get('scope')!, from: url.searchParams.get('from')!, to: url.searchParams.get('to')! })
  const cookie = (await page.context().cookies(app.url)).map((c) => `${c.name}=${c.value}`).join('; ')
  const res = await fetch(`${app.url}/api/v1/trends?${q}`, { headers: { cookie } })
  expect(res.status).toBe(200)
  return (await res.json()) as TrendsReport
}

function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(String(e)))
  // Chromium logs a refused request only as "Failed to load resource"; this says which one.
  page.on('response', (r) => {
    if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`)
  })
  return errors
}

const shown = (page: Page) => page.waitForSelector('[data-testid="trends-page"][data-loading="false"] [data-testid="trends-kpis"]')
const rowCodes = (page: Page) => page.$$eval('[data-testid="trends-ranking-row"]', (rows) => rows.map((r) => r.getAttribute('data-code')))
const attrNum = (raw: string | null) => (raw === null || raw === '' ? undefined : Number(raw))

const KPI_VALUE: Record<string, (f: PeriodFigures) => number | undefined> = {
  reported: (f) => f.reported,
  onTimeClosure: MEASURES.onTimeClosure.value,
  reworkRate: MEASURES.reworkRate.value,
  extensionRate: MEASURES.extensionRate.value,
  resolveP50: (f) => f.resolveP50,
  resolveP90: (f) => f.resolveP90,
  verifyP50: (f) => f.verifyP50,
  coverage: MEASURES.coverage.value,
  mobileShare: MEASURES.mobileShare.value,
}

describe('the monthly review in headless Chromium', () => {
  let page: Page
  let errors: string[]

  it('signs a leader in to their own street, for the last 12 months, with the URL naming the view', async () => {
    page = await leader.newPage()
    errors = watchErrors(page)
    await page.goto(`${app.url}/trends`)
    await page.waitForURL(/\/login\?next=%2Ftrends/)
    await page.fill('[data-testid="login-username"]', 'dawan-leader')
    await page.fill('[data-testid="login-password"]', PASSWORD)
    await page.click('[data-testid="login-submit"]')
    await shown(page)
    const url = new URL(page.url())
    expect(url.pathname).toBe('/trends')
    expect(url.searchParams.get('scope')).toBe(`street:${STREET}`)
    const thisMonth = monthOf(app.now(), TZ)
    expect(url.searchParams.get('to')).toBe(thisMonth)
    expect(url.searchParams.get('from')).toMatch(/^\d{4}-\d{2}$/)
    expect(await page.textContent('[data-testid="trends-scope-name"]')).toBe('大弯街道')
    expect(await page.textContent('[data-testid="trends-title"]')).toBe('月度研判')
  })

  it('shows the KPIs of the last month, their 环比 and 同比, and the year to date as the API answers them', async () => {
    const api = await apiFor(page)
    const last = api.months[api.months.length - 1]!
    // The seeded month, as a sanity check of the fixture itself.
    expect(last.reported).toBe(21)
    expect(last.mobile).toBe(4)
    expect(last.prev.reported).toBe(9)
    expect(await page.getAttribute('[data-testid="trends-kpis"]', 'data-month')).toBe(last.month)
    for (const [key, value] of Object.entries(KPI_VALUE)) {
      const card = page.locator(`[data-testid="trends-kpi"][data-key="${key}"]`)
      const v = value(last)
      const shownValue = attrNum(await card.getAttribute('data-value'))
      if (v === undefined) expect(shownValue, key).toBeUndefined()
      else expect(shownValue, key).toBeCloseTo(v, 9)
      const mom = attrNum(await card.locator('[data-testid="trends-kpi-mom"]').getAttribute('data-value'))
      const yoy = attrNum(await card.locator('[data-testid="trends-kpi-yoy"]').getAttribute('data-value'))
      // Rates change in percentage points, counts and times relatively (the shared `compare`).
      const unit = MEASURES[key as MeasureKey]?.unit ?? 'number'
      const expMom = compare(unit, v, value(last.prev))
      const expYoy = compare(unit, v, value(last.lastYear))
      if (expMom === undefined) expect(mom, `${key} mom`).toBeUndefined()
      else expect(mom, `${key} mom`).toBeCloseTo(expMom, 9)
      if (expYoy === undefined) expect(yoy, `${key} yoy`).toBeUndefined()
      else expect(yoy, `${key} yoy`).toBeCloseTo(expYoy, 9)
    }
    // The words on screen, not only the attributes.
    expect((await page.textContent('[data-testid="trends-kpi"][data-key="reported"] [data-testid="trends-kpi-value"]'))!.trim()).toBe(String(last.reported))
    const onTime = MEASURES.onTimeClosure.value(last)!
    expect((await page.textContent('[data-testid="trends-kpi"][data-key="onTimeClosure"] [data-testid="trends-kpi-value"]'))!.trim()).toBe(`${(onTime * 100).toFixed(1)}%`)
    // 21 against 9: up 133%, in the accent colour (more reports is news, neither good nor bad).
    const mom = page.locator('[data-testid="trends-kpi"][data-key="reported"] [data-testid="trends-kpi-mom"]')
    expect(await mom.textContent()).toContain('▲133%')
    expect(await mom.getAttribute('data-tone')).toBe('news')

    const ytd = page.locator('[data-testid="trends-ytd-item"][data-key="reported"]')
    expect(attrNum(await ytd.getAttribute('data-value'))).toBe(api.ytd.current.reported)
    expect(attrNum(await ytd.getAttribute('data-last-year'))).toBe(api.ytd.lastYear.reported)
    expect(await page.getAttribute('[data-testid="trends-ytd"]', 'data-from')).toBe(api.ytd.from)
  })

  it('ranks the communities with rankUnits, reorders on another measure, and marks units below the minimum volume', async () => {
    const api = await apiFor(page)
    const order = (k: MeasureKey) => rankUnits(api.units, k).map((r) => r.unit.code)
    expect(await page.getAttribute('[data-testid="trends-ranking"]', 'data-measure')).toBe('onTimeClosure')
    expect(await rowCodes(page)).toEqual(order('onTimeClosure'))
    expect((await rowCodes(page)).slice(0, 2)).toEqual([communityA, communityB])
    expect(await page.getAttribute(`[data-testid="trends-ranking-row"][data-code="${communityC}"]`, 'data-rank')).toBe('')
    expect(await page.locator(`[data-testid="trends-ranking-row"][data-code="${communityC}"] [data-testid="trends-ranking-unranked"]`).count()).toBe(1)
    expect(await page.textContent('[data-testid="trends-ranking-rule"]')).toContain('5')
    // B's change against last month (2 of 5 in time then) and its recurring categories.
    const rowB = page.locator(`[data-testid="trends-ranking-row"][data-code="${communityB}"]`)
    const rankedB = rankUnits(api.units, 'onTimeClosure').find((r) => r.unit.code === communityB)!
    expect(rankedB.previous).toBeCloseTo(2 / 5, 9)
    expect(attrNum(await rowB.getAttribute('data-change'))).toBeCloseTo(rankedB.change!, 9)
    expect(await rowB.locator('[data-testid="trends-ranking-top"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-category')))).toEqual(
      api.units.find((u) => u.code === communityB)!.topCategories.map((c) => c.category),
    )

    await page.selectOption('[data-testid="trends-ranking-measure"]', 'reportedPer100')
    await page.waitForSelector('[data-testid="trends-ranking"][data-measure="reportedPer100"]')
    expect(await rowCodes(page)).toEqual(order('reportedPer100'))
    expect((await rowCodes(page))[0]).toBe(communityB)
    expect(new URL(page.url()).searchParams.get('rank')).toBe('reportedPer100')
    await page.selectOption('[data-testid="trends-ranking-measure"]', 'onTimeClosure')
  })

  it('saves a chart as a PNG and links the monthly pack of the last month', async () => {
    await page.waitForSelector('[data-testid="trends-chart"][data-chart="reports"] [data-testid="trends-chart-png"]:not([disabled])')
    expect(await page.locator('[data-testid="trends-chart"]').count()).toBe(4)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="trends-chart"][data-chart="reports"] [data-testid="trends-chart-png"]')])
    expect(download.suggestedFilename()).toMatch(/^GridPulse-street_qingbaijiang\.dawan-reports-\d{4}-\d{2}_\d{4}-\d{2}\.png$/)
    const file = await download.path()
    const bytes = fs.readFileSync(file)
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a')
    expect(bytes.length).toBeGreaterThan(5_000)
    expect(await page.getAttribute('[data-testid="trends-chart"][data-chart="reports"]', 'data-exported')).toBe('1')

    const month = new URL(page.url()).searchParams.get('to')!
    for (const f of ['pdf', 'xlsx', 'csv']) {
      const href = await page.getAttribute(`[data-testid="trends-pack-${f}"]`, 'href')
      const u = new URL(href!, app.url)
      expect(u.pathname).toBe(`/api/v1/trends/pack.${f}`)
      expect(u.searchParams.get('scope')).toBe(`street:${STREET}`)
      expect(u.searchParams.get('month')).toBe(month)
      expect(u.searchParams.get('lang')).toBe('zh-CN')
      // The link works for the signed-in leader: the file itself, named for download.
      const res = await page.request.get(u.toString())
      expect(res.status(), f).toBe(200)
      expect(res.headers()['content-disposition']).toMatch(new RegExp(`attachment; filename="gridpulse-.*\\.${f}"`))
    }
    await page.waitForTimeout(500) // let the charts' entry animation end before the screenshot
    await page.screenshot({ path: path.join(ARTIFACTS, 'trends-1920x1080.png') })
  })

  it('drills from a community of the ranking to its own review, and Back returns to the street', async () => {
    await page.click(`[data-testid="trends-ranking-row"][data-code="${communityA}"] [data-testid="trends-ranking-drill"]`)
    await page.waitForSelector(`[data-testid="trends-page"][data-scope="community:${communityA}"][data-loading="false"]`)
    const url = new URL(page.url())
    expect(url.searchParams.get('scope')).toBe(`community:${communityA}`)
    const name = app.registry().byCode.get(communityA)!.name
    expect(await page.textContent('[data-testid="trends-scope-name"]')).toBe(name)
    const api = await apiFor(page)
    expect(api.childLevel).toBe('grid')
    expect(attrNum(await page.getAttribute('[data-testid="trends-kpi"][data-key="reported"]', 'data-value'))).toBe(api.months[api.months.length - 1]!.reported)
    // Grids are not a scope: no drill below a community.
    expect(await page.locator('[data-testid="trends-ranking-drill"]').count()).toBe(0)
    await page.setViewportSize({ width: 1366, height: 768 })
    await page.screenshot({ path: path.join(ARTIFACTS, 'trends-community-1366x768.png') })
    await page.setViewportSize({ width: 1920, height: 1080 })

    await page.goBack()
    await page.waitForSelector(`[data-testid="trends-page"][data-scope="street:${STREET}"][data-loading="false"]`)
    expect(await page.textContent('[data-testid="trends-scope-name"]')).toBe('大弯街道')
    await page.goForward()
    await page.waitForSelector(`[data-testid="trends-page"][data-scope="community:${communityA}"][data-loading="false"]`)
    // The breadcrumb goes up again; the district above the leader's street is not a link.
    await page.click(`[data-testid="trends-breadcrumb-item"][data-scope="street:${STREET}"]`)
    await page.waitForSelector(`[data-testid="trends-page"][data-scope="street:${STREET}"][data-loading="false"]`)
    expect(await page.locator('[data-testid="trends-breadcrumb-item"][data-scope="district:qingbaijiang"]').count()).toBe(0)
  })

  it('changes the month range through the pickers, and goes back to the wall of the same scope', async () => {
    const thisMonth = monthOf(app.now(), TZ)
    await page.click('[data-testid="trends-this-year"]')
    await page.waitForURL((u) => u.searchParams.get('from') === `${thisMonth.slice(0, 4)}-01`)
    await page.waitForSelector(`[data-testid="trends-page"][data-from="${thisMonth.slice(0, 4)}-01"][data-loading="false"]`)
    const api = await apiFor(page)
    expect(api.from).toBe(`${thisMonth.slice(0, 4)}-01`)
    expect(attrNum(await page.getAttribute('[data-testid="trends-kpi"][data-key="reported"]', 'data-value'))).toBe(21)
    // Everything on this page so far, without a console error (the wall's own are its tests' business).
    expect(errors).toEqual([])
    await page.click('[data-testid="trends-back-to-wall"]')
    await page.waitForSelector(`[data-testid="wall"][data-scope="street:${STREET}"]`)
    expect(new URL(page.url()).pathname).toBe('/')
    expect(new URL(page.url()).searchParams.get('scope')).toBe(`street:${STREET}`)
    await page.close()
  })

  it('speaks English with ?lang=en', async () => {
    const en = await leader.newPage()
    const errs = watchErrors(en)
    await en.goto(`${app.url}/trends?scope=street:${STREET}&lang=en`)
    await shown(en)
    expect(await en.textContent('[data-testid="trends-title"]')).toBe('Monthly review')
    expect(await en.textContent('[data-testid="trends-scope-name"]')).toBe('Dawan Subdistrict')
    expect(await en.textContent('[data-testid="trends-kpi"][data-key="onTimeClosure"]')).toContain('On-time closure')
    expect(await en.textContent('[data-testid="trends-kpi"][data-key="reported"]')).toContain('MoM')
    expect(await en.textContent('[data-testid="trends-pack"]')).toContain('PDF bulletin')
    await en.waitForTimeout(500)
    await en.screenshot({ path: path.join(ARTIFACTS, 'trends-en-1920x1080.png') })
    expect(errs).toEqual([])
    // Back to Chinese for the pages after this one (the language is remembered).
    await en.click('[data-testid="lang-toggle"]')
    await en.close()
  })

  it('refuses a scope outside the leader\'s and a bad month, each with the server\'s words', async () => {
    const p = await leader.newPage()
    await p.goto(`${app.url}/trends?scope=street:tianfu.huayang`)
    await p.waitForSelector('[data-testid="trends-error"][data-status="403"]')
    expect(await p.textContent('[data-testid="trends-error-explain"]')).toContain('无权查看该范围')
    await p.click('[data-testid="trends-home"]')
    await p.waitForSelector(`[data-testid="trends-page"][data-scope="street:${STREET}"][data-loading="false"]`)

    await p.goto(`${app.url}/trends?scope=street:${STREET}&from=2024-13&to=2025-01`)
    await p.waitForSelector('[data-testid="trends-error"][data-status="400"]')
    expect(await p.textContent('[data-testid="trends-error-message"]')).toContain('from: must be a month as YYYY-MM')
    await p.click('[data-testid="trends-reset"]')
    await shown(p)
    expect(new URL(p.url()).searchParams.get('to')).toBe(monthOf(app.now(), TZ))
    await p.close()
  })

  it('says so when the range holds no reports', async () => {
    const p = await leader.newPage()
    const errs = watchErrors(p)
    const [y] = monthOf(app.now(), TZ).split('-')
    await p.goto(`${app.url}/trends?scope=street:${STREET}&from=${Number(y) - 2}-01&to=${Number(y) - 2}-06`)
    await p.waitForSelector('[data-testid="trends-empty"]')
    expect(await p.textContent('[data-testid="trends-empty"]')).toContain(`${Number(y) - 2}-06`)
    expect(await p.locator('[data-testid="trends-kpis"]').count()).toBe(0)
    expect(await p.locator('[data-testid="trends-pack"]').count()).toBe(0)
    expect(errs).toEqual([])
    await p.close()
  })

  it('refuses a wall display token with a clear message and no figures', async () => {
    const kiosk = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
    const p = await kiosk.newPage()
    await p.goto(`${app.url}/trends?scope=street:${STREET}&token=${DISPLAY_TOKEN}`)
    await p.waitForSelector('[data-testid="trends-error"][data-status="403"]')
    expect(p.url()).not.toMatch(/\/login/)
    expect(await p.textContent('[data-testid="trends-error-explain"]')).toContain('大屏令牌不能查看月度研判')
    expect(await p.textContent('[data-testid="trends-error-message"]')).toContain('display token')
    expect(await p.locator('[data-testid="trends-kpis"]').count()).toBe(0)
    await p.screenshot({ path: path.join(ARTIFACTS, 'trends-token-refused-1920x1080.png') })
    await kiosk.close()
  })
})
