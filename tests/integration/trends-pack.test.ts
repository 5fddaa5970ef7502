/**
 * The monthly pack over HTTP: `GET /api/v1/trends/pack.pdf|.xlsx|.csv` on a real GridPulse.
 * Fixture: startTestApp() (embedded store, demo registry, no events); four reports posted this
 * month in one micro-grid of 大弯街道 (street:qingbaijiang.dawan), one from a mobile grid worker,
 * one verified, resolved and closed; the city admin signed in with ADMIN_PASSWORD. Builders
 * are unit-tested (tests/unit/trends-pack.test.ts); here: routes, rules, headers, and that the
 * stored figures reach every format (PDF and XLSX through the pack's worker thread).
 */
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, DISPLAY_TOKEN, signIn, startTestApp, type SignedIn, type TestApp } from '../support/app.ts'
import { pdfText } from '../support/pdfText.ts'
import { monthOf } from '../../server/trends/calendar.ts'

const SCOPE = 'street:qingbaijiang.dawan'
let app: TestApp
let admin: SignedIn
let month: string

function get(path: string, auth: { cookie?: string; token?: string } = { cookie: admin.cookie }) {
  const headers: Record<string, string> = {}
  if (auth.cookie) headers.cookie = auth.cookie
  if (auth.token) headers.authorization = `Bearer ${auth.token}`
  return fetch(`${app.url}${path}`, { headers })
}

beforeAll(async () => {
  app = await startTestApp()
  admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  month = monthOf(app.now(), 'Asia/Shanghai')
  const mg = app.registry().places.find((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))!.code
  const at = (ago: number) => new Date(app.now() - ago).toISOString()
  const rows = [
    ...[1, 2, 3, 4].map((n) => ({ event_id: `PACK-${n}-r`, report_id: `PACK-${n}`, type: 'reported', at: at(3_600_000), micro_grid: mg, category: n === 4 ? 'clutter' : 'sanitation', reporter_role: n === 4 ? 'mobile_worker' : 'grid_worker' })),
    { event_id: 'PACK-1-v', report_id: 'PACK-1', type: 'verified', at: at(3_000_000), micro_grid: mg },
    { event_id: 'PACK-1-s', report_id: 'PACK-1', type: 'resolved', at: at(2_000_000), micro_grid: mg },
    { event_id: 'PACK-1-c', report_id: 'PACK-1', type: 'closed', at: at(1_000_000), micro_grid: mg },
  ]
  const posted = await app.post('reports', rows)
  expect(posted.status).toBe(200)
  expect(posted.body.accepted).toBe(rows.length)
  await app.settle()
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('GET /api/v1/trends/pack.*', () => {
  it('answers the CSV of the 12 months ending this month, with the stored reports in the last row', async () => {
    const res = await get(`/api/v1/trends/pack.csv?scope=${SCOPE}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/)
    expect(res.headers.get('content-disposition')).toContain(`filename="gridpulse-street-qingbaijiang.dawan-${month}.csv"`)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    const text = Buffer.from(await res.arrayBuffer()).toString('utf8')
    expect(text.startsWith('\uFEFF月份,上报件数,')).toBe(true)
    const lines = text.trim().split('\r\n')
    expect(lines).toHaveLength(13)
    const header = lines[0]!.replace('\uFEFF', '').split(',')
    const last = Object.fromEntries(lines[12]!.split(',').map((v, i) => [header[i], v]))
    expect(last['月份']).toBe(month)
    expect(last['上报件数']).toBe('4')
    expect(last['流动微网格员上报']).toBe('1')
    expect(last['结案件数']).toBe('1')
    expect(last['环境卫生']).toBe('3')
  })

  it('answers the XLSX workbook, in English with lang=en', async () => {
    const res = await get(`/api/v1/trends/pack.xlsx?scope=${SCOPE}&month=${month}&lang=en`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
    const disposition = res.headers.get('content-disposition')!
    expect(disposition).toContain(`filename="gridpulse-street-qingbaijiang.dawan-${month}.xlsx"`)
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toMatch(/^Dawan Subdistrict Monthly Grid Bulletin-/)
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(await res.arrayBuffer())
    expect(wb.worksheets.map((s) => s.name)).toEqual(['Overview', 'Monthly', 'Categories', 'Ranking', 'Year to date'])
    const monthly = wb.getWorksheet('Monthly')!
    expect(monthly.getRow(13).getCell(1).value).toBe(month)
    expect(monthly.getRow(13).getCell(2).value).toBe(4)
    expect(wb.getWorksheet('Ranking')!.rowCount).toBe(1 + app.registry().children('qingbaijiang.dawan').length)
  })

  it('answers the PDF bulletin with the Chinese file name and the scope in its title', async () => {
    const res = await get(`/api/v1/trends/pack.pdf?scope=${SCOPE}&month=${month}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/pdf')
    const disposition = res.headers.get('content-disposition')!
    expect(disposition).toMatch(new RegExp(`^attachment; filename="gridpulse-street-qingbaijiang\\.dawan-${month}\\.pdf"; filename\\*=UTF-8''`))
    const [y, m] = month.split('-').map(Number)
    expect(decodeURIComponent(disposition.split("UTF-8''")[1]!)).toBe(`大弯街道网格事件月度简报-${y}年${m}月.pdf`)
    const pdf = Buffer.from(await res.arrayBuffer())
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(pdfText(pdf)).toContain(`大弯街道网格事件月度简报 · ${y}年${m}月`)
    expect(pdfText(pdf).join('')).toContain('共受理网格事件4件')
  })

  it('defaults to the caller’s own scope (the admin: the city)', async () => {
    const res = await get('/api/v1/trends/pack.csv')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toContain(`filename="gridpulse-city-${month}.csv"`)
  })

  it('refuses a display token (403) and an anonymous caller (401)', async () => {
    for (const f of ['pdf', 'xlsx', 'csv']) {
      const res = await get(`/api/v1/trends/pack.${f}?scope=${SCOPE}`, { token: DISPLAY_TOKEN })
      expect(res.status).toBe(403)
      expect(((await res.json()) as { error: string }).error).toBeTruthy()
    }
    expect((await get(`/api/v1/trends/pack.pdf?scope=${SCOPE}`, {})).status).toBe(401)
  })

  it('answers 400 naming month for a bad or future month, and lang for an unknown language', async () => {
    for (const bad of ['2026-13', '202610', 'last', '2999-01']) {
      const res = await get(`/api/v1/trends/pack.pdf?scope=${SCOPE}&month=${bad}`)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toMatch(/^month: /)
    }
    const res = await get(`/api/v1/trends/pack.csv?scope=${SCOPE}&lang=fr`)
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toMatch(/^lang: /)
  })

  it('answers 400 for an unknown scope and 404 for an unknown format', async () => {
    expect((await get('/api/v1/trends/pack.csv?scope=street:nowhere')).status).toBe(400)
    expect((await get(`/api/v1/trends/pack.doc?scope=${SCOPE}`)).status).toBe(404)
  })
})
