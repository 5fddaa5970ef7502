/**
 * The analysts' SQL console (/console) in a real browser: an analyst of one street signs in and
 * lands on the console; the schema lists the open tables with column types and comments; a
 * query typed in the editor runs with Ctrl+Enter and its grid shows the street's rows only (what
 * the API answers for the same query); 10,000 rows scroll with only the rows in view in the DOM;
 * the quick chart guesses a bar chart for text + number and a line for time + number, and can
 * be switched; EXPLAIN shows a plan; a refused query is explained in words; a long query is
 * cancelled; the query lands in the history; a saved query opens by its link in another
 * analyst's browser; CSV downloads with a BOM; a leader is told the console is not theirs.
 *
 * Fixture: GridPulse with the demo registry; 4 reports in 大弯街道 (2 clutter, 2 sanitation)
 * and 3 elsewhere, an hour ago; analysts of 大弯街道 and of the city, and a leader.
 * Screenshots go to tests/e2e/artifacts/.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { ADMIN_PASSWORD, signIn, startTestApp, type TestApp } from '../support/app.ts'
import { launchChromium } from '../support/browser.ts'

const ARTIFACTS = path.resolve('tests/e2e/artifacts')
const STREET = 'qingbaijiang.dawan'
const PASSWORD = 'analyst-password-0123'
let app: TestApp
let browser: Browser
let streetCtx: BrowserContext
let cityCtx: BrowserContext

beforeAll(async () => {
  if (!fs.existsSync('dashboard/dist/index.html')) throw new Error('dashboard/dist is missing: run `npm run build` first (npm test does)')
  fs.mkdirSync(ARTIFACTS, { recursive: true })
  app = await startTestApp()
  const admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  for (const [username, role, scope] of [
    ['dawan-analyst', 'analyst', `street:${STREET}`],
    ['city-analyst', 'analyst', 'city'],
    ['a-leader', 'leader', 'city'],
  ]) {
    const res = await fetch(`${app.url}/api/v1/admin/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: admin.cookie, 'x-csrf-token': admin.csrf },
      body: JSON.stringify({ username, role, scope, password: PASSWORD }),
    })
    expect(res.status).toBe(201)
  }
  const reg = app.registry()
  const inStreet = reg.places.find((p) => p.level === 'micro_grid' && p.code.startsWith(`${STREET}.`))!.code
  const elsewhere = reg.places.find((p) => p.level === 'micro_grid' && !p.code.startsWith(`${STREET}.`))!.code
  const at = new Date(app.now() - 3_600_000).toISOString()
  const ev = (i: number, mg: string, category: string) => ({ event_id: `E2E-C-${i}`, report_id: `E2E-R-${i}`, type: 'reported', at, micro_grid: mg, category, channel: 'app', reporter_role: 'grid_worker' })
  const events = [ev(1, inStreet, 'clutter'), ev(2, inStreet, 'clutter'), ev(3, inStreet, 'sanitation'), ev(4, inStreet, 'sanitation'), ev(5, elsewhere, 'clutter'), ev(6, elsewhere, 'clutter'), ev(7, elsewhere, 'clutter')]
  expect((await app.post('reports', events)).body.accepted).toBe(events.length)
  await app.settle()
  browser = await launchChromium()
  streetCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 }, acceptDownloads: true })
  cityCtx = await browser.newContext({ viewport: { width: 1920, height: 1080 } })
})

afterAll(async () => {
  await streetCtx?.close()
  await cityCtx?.close()
  await browser?.close()
  await app?.stopAndClean()
})

function watchErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 400/.test(m.text())) errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(String(e)))
  return errors
}

async function signInAt(page: Page, username: string, next = '/console'): Promise<void> {
  await page.goto(`${app.url}${next}`)
  await page.waitForURL(/\/login\?next=/)
  await page.fill('[data-testid="login-username"]', username)
  await page.fill('[data-testid="login-password"]', PASSWORD)
  await page.click('[data-testid="login-submit"]')
  await page.waitForSelector('[data-testid="console-page"]')
}

/** Replaces the editor's text and runs it with Ctrl+Enter; waits for the run to end. */
async function runInEditor(page: Page, query: string): Promise<void> {
  await page.click('[data-testid="console-editor"] .cm-content')
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  await page.keyboard.insertText(query)
  await page.keyboard.press('Control+Enter')
  await page.waitForSelector('[data-testid="console-page"][data-running="true"]', { timeout: 5000 }).catch(() => undefined)
  await page.waitForSelector('[data-testid="console-page"][data-running="false"]')
}

const gridText = (page: Page) => page.$$eval('[data-testid="console-row"]', (rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(1).map((td) => td.textContent)))

describe('the SQL console in a browser', () => {
  let page: Page
  let errors: string[]

  it('signs an analyst in to the console, with the open tables described', async () => {
    page = await streetCtx.newPage()
    errors = watchErrors(page)
    await signInAt(page, 'dawan-analyst')
    await page.waitForSelector('[data-testid="console-schema"] [data-table="report_events"]')
    const tables = await page.$$eval('[data-testid="console-schema"] [data-table]', (els) => els.map((e) => e.getAttribute('data-table')))
    expect(tables).toContain('report_current')
    expect(tables).not.toContain('users')
    await page.click('[data-table="report_events"] [data-testid="console-schema-table"]')
    const at = await page.$eval('[data-table="report_events"]', (el) => el.textContent ?? '')
    expect(at).toMatch(/DateTime64\(3, 'UTC'\)/)
    expect(await page.textContent('[data-testid="console-scope"]')).toContain(`street:${STREET}`)
  })

  it('runs a query with Ctrl+Enter and shows the street’s rows only, as the API does', async () => {
    await runInEditor(page, "SELECT category, count() AS n FROM report_current WHERE report_id LIKE 'E2E-%' GROUP BY category ORDER BY category")
    expect(await gridText(page)).toEqual([
      ['clutter', '2'],
      ['sanitation', '2'],
    ])
    expect(await page.getAttribute('[data-testid="console-status"]', 'data-rows')).toBe('2')
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-1920.png') })
  })

  it('draws a quick chart guessed from the columns, and switches it', async () => {
    await page.click('[data-testid="console-view-chart"]')
    await page.waitForSelector('[data-testid="console-chart"][data-kind="bar"] canvas')
    await page.click('[data-testid="console-chart-line"]')
    await page.waitForSelector('[data-testid="console-chart"][data-kind="line"] canvas')
    await runInEditor(page, 'SELECT toDate(now()) - number AS day, number * 2 AS n FROM numbers(10)')
    await page.waitForSelector('[data-testid="console-chart"][data-kind="line"] canvas')
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-chart-1920.png') })
    await page.click('[data-testid="console-view-grid"]')
  })

  it('scrolls 10,000 rows with only the rows in view in the page', async () => {
    await runInEditor(page, 'SELECT number, toString(number * 7) AS s FROM numbers(10000)')
    const grid = '[data-testid="console-grid"]'
    expect(await page.getAttribute(grid, 'data-rows')).toBe('10000')
    expect(Number(await page.getAttribute(grid, 'data-rendered'))).toBeLessThan(100)
    await page.$eval(grid, (el) => (el.scrollTop = 28 * 5000))
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="console-row"] td:first-child')].some((td) => td.textContent === '5001'))
    expect(Number(await page.getAttribute(grid, 'data-rendered'))).toBeLessThan(100)
  })

  it('explains a query, and says in words why a query is refused', async () => {
    await runInEditor(page, 'SELECT count() FROM report_events')
    await page.click('[data-testid="console-explain"]')
    await page.waitForFunction(() => /ReadFrom|Expression|Aggregating/.test(document.querySelector('[data-testid="console-grid"]')?.textContent ?? ''))
    await runInEditor(page, 'DROP TABLE report_events')
    expect(await page.getAttribute('[data-testid="console-error"]', 'data-refused')).toBe('true')
    expect(await page.textContent('[data-testid="console-error"]')).toMatch(/only SELECT queries may run here/)
    await runInEditor(page, "SELECT * FROM file('/etc/passwd', 'LineAsString')")
    expect(await page.textContent('[data-testid="console-error"]')).toMatch(/table function file\(\) is not allowed/)
  })

  it('cancels a long query', async () => {
    await page.click('[data-testid="console-editor"] .cm-content')
    await page.keyboard.press('Control+A')
    await page.keyboard.insertText('SELECT count() FROM numbers(1500000000) WHERE sipHash64(number) % 7 = 1')
    await page.click('[data-testid="console-run"]')
    await page.waitForSelector('[data-testid="console-cancel"]')
    await page.waitForTimeout(500)
    await page.click('[data-testid="console-cancel"]')
    await page.waitForSelector('[data-testid="console-page"][data-running="false"]')
    expect(await page.textContent('[data-testid="console-error"]')).toMatch(/cancel|取消/)
  })

  it('keeps the history, exports CSV, and shares a saved query by link', async () => {
    await runInEditor(page, "SELECT category, count() AS n FROM report_current WHERE report_id LIKE 'E2E-%' GROUP BY category ORDER BY category")
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="console-history-item"]')].some((el) => el.getAttribute('data-status') === 'refused'))
    const statuses = await page.$$eval('[data-testid="console-history-item"]', (els) => els.map((e) => e.getAttribute('data-status')))
    expect(statuses).toContain('ok')
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="console-csv"]')])
    const csv = fs.readFileSync((await download.path())!, 'utf8')
    expect(csv).toBe('\uFEFFcategory,n\r\nclutter,2\r\nsanitation,2\r\n')

    page.once('dialog', (d) => void d.accept('各类别报告数'))
    await page.click('[data-testid="console-save"]')
    await page.waitForSelector('[data-testid="console-saved-item"]')
    const id = await page.getAttribute('[data-testid="console-saved-item"]', 'data-id')
    expect(errors).toEqual([])

    // The city analyst opens the link: the same query, run in the city's scope.
    const other = await cityCtx.newPage()
    await signInAt(other, 'city-analyst', `/console?q=${id}`)
    await other.waitForSelector('[data-testid="console-notice"]')
    expect(await other.textContent('[data-testid="console-notice"]')).toContain('dawan-analyst')
    await other.click('[data-testid="console-run"]')
    await other.waitForSelector('[data-testid="console-status"]')
    expect(await gridText(other)).toEqual([
      ['clutter', '5'],
      ['sanitation', '2'],
    ])
    await other.close()
  })

  it('tells a leader the console is for analysts', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } })
    const p = await ctx.newPage()
    await signInAt(p, 'a-leader')
    await p.waitForSelector('[data-testid="console-not-allowed"]')
    await ctx.close()
  })
})
