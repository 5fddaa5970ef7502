/**
 * The review rollups (migration 008) stay equal to the review read from report_current while
 * events keep changing reports already folded — a late `reported`, a reopening resolved in the
 * next month, a rejection, a resend — after a restart, and when an admin changes the SLA. Counts
 * must be equal, percentiles within 1% (histograms). The events-side review is itself checked
 * against raw events in trends.test.ts.
 * Fixture: GridPulse with the demo registry and no events; the app's clock is local noon today.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, signIn, startTestApp, type TestApp } from '../support/app.ts'
import { addMonths, monthOf, monthStart } from '../../server/trends/calendar.ts'
import { trendsSource } from '../../server/trends/report.ts'
import type { PeriodFigures, TrendsReport } from '../../server/contracts/trends.ts'

const TZ = 'Asia/Shanghai'
const STREET = 'qingbaijiang.dawan'
const HOUR = 3_600_000
const DAY = 24 * HOUR
let app: TestApp
let dataDir: string
let seq = 0
let M0: string
let M1: string
let m0: number
let m1: number
let mgs: string[]

const iso = (ms: number) => new Date(ms).toISOString()
const ev = (report: string, type: string, at: number, mg: string, extra: Record<string, unknown> = {}) => ({
  event_id: `${report}-${type}-${++seq}`,
  report_id: report,
  type,
  at: iso(at),
  micro_grid: mg,
  ...extra,
})
const reported = (report: string, at: number, mg: string, category = 'clutter') => ev(report, 'reported', at, mg, { category, channel: 'app', reporter_role: 'grid_worker' })

/** The same review from the rollups and from report_current (fresh sources: no cache). */
async function both(scope = `street:${STREET}`, from = addMonths(M0, -13), to = M0, now = app.now): Promise<{ rollups: TrendsReport; events: TrendsReport }> {
  const deps = { reader: app.store.reports, registry: app.registry, sla: () => app.sla.table(), tz: TZ, now }
  const rollups = await trendsSource({ ...deps, rollups: app.rollups }).report(scope as never, from, to)
  const events = await trendsSource(deps).report(scope as never, from, to)
  return { rollups, events }
}

const PERCENTILES = new Set(['verifyP50', 'verifyP90', 'resolveP50', 'resolveP90'])
function expectSame(a: PeriodFigures, b: PeriodFigures, label: string): void {
  for (const [k, v] of Object.entries(b)) {
    if (PERCENTILES.has(k)) expect(Math.abs((a as never as Record<string, number>)[k]! - (v as number)), `${label} ${k}`).toBeLessThanOrEqual((v as number) * 0.01 + 0.05)
    else expect((a as never as Record<string, unknown>)[k], `${label} ${k}`).toEqual(v)
  }
  expect(Object.keys(a).sort(), label).toEqual(Object.keys(b).sort())
}

function expectReportsAgree({ rollups, events }: { rollups: TrendsReport; events: TrendsReport }): void {
  expect(rollups.source).toBe('rollups')
  expect(events.source).toBe('events')
  expect(rollups.months.length).toBe(events.months.length)
  rollups.months.forEach((m, i) => {
    const e = events.months[i]!
    for (const part of ['prev', 'lastYear'] as const) expectSame(m[part], e[part], `${m.month} ${part}`)
    const { month: _a, prev: _b, lastYear: _c, ...fig } = m
    const { month: _d, prev: _e, lastYear: _f, ...efig } = e
    expectSame(fig, efig, m.month)
  })
  expectSame(rollups.ytd.current, events.ytd.current, 'ytd')
  expectSame(rollups.ytd.lastYear, events.ytd.lastYear, 'ytd last year')
  rollups.units.forEach((u, i) => {
    expectSame(u.month, events.units[i]!.month, u.code)
    expectSame(u.previous, events.units[i]!.previous, `${u.code} previous`)
    expect(u.topCategories).toEqual(events.units[i]!.topCategories)
  })
}

const month = (r: TrendsReport, m: string) => r.months.find((x) => x.month === m)!

beforeAll(async () => {
  app = await startTestApp()
  dataDir = app.dataDir
  const reg = app.registry()
  mgs = reg.places.filter((p) => p.level === 'micro_grid' && p.code.startsWith(`${STREET}.`)).map((p) => p.code)
  M0 = monthOf(app.now(), TZ)
  M1 = addMonths(M0, -1)
  m0 = monthStart(M0, TZ)
  m1 = monthStart(M1, TZ)
  const events = [
    // R1: resolved last month — its `reported` comes later (below).
    ev('R1', 'resolved', m1 + 5 * DAY, mgs[0]!),
    // R2: resolved and closed last month; reopened and resolved again this month (below).
    reported('R2', m1 + 3 * DAY, mgs[1]!),
    ev('R2', 'verified', m1 + 3 * DAY + HOUR, mgs[1]!),
    ev('R2', 'resolved', m1 + 4 * DAY, mgs[1]!),
    ev('R2', 'closed', m1 + 4 * DAY + HOUR, mgs[1]!),
    // R3: reported this month, rejected later (below).
    reported('R3', m0 + HOUR, mgs[2]!, 'sanitation'),
    // The month before last, for the units' month before when last month is reviewed on its own.
    ...Array.from({ length: 4 }, (_, i) => {
      const at = monthStart(addMonths(M0, -2), TZ) + (i + 2) * DAY
      return [reported(`P${i}`, at, mgs[i]!, 'sanitation'), ev(`P${i}`, 'verified', at + (10 + i) * 60_000, mgs[i]!), ev(`P${i}`, 'resolved', at + (3 + i) * HOUR, mgs[i]!)]
    }).flat(),
    // Some volume for the percentiles, in both months and a year ago.
    ...Array.from({ length: 30 }, (_, i) => {
      const at = (i % 3 === 0 ? m0 : i % 3 === 1 ? m1 : monthStart(addMonths(M0, -12), TZ)) + (i % 10) * HOUR + 60_000
      return [reported(`V${i}`, at, mgs[i % mgs.length]!, i % 2 ? 'clutter' : 'illegal_parking'), ev(`V${i}`, 'verified', at + (5 + i * 7) * 60_000, mgs[i % mgs.length]!), ev(`V${i}`, 'resolved', at + (60 + i * 97) * 60_000, mgs[i % mgs.length]!)]
    }).flat(),
  ]
  expect((await app.post('reports', events)).body.accepted).toBe(events.length)
  await app.settle()
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('the review rollups', () => {
  it('equal the review read from the events once folded', async () => {
    expect(app.rollups.ready()).toBe(true)
    expectReportsAgree(await both())
    expectReportsAgree(await both('city'))
  })

  it('equal it for past months too: whole bases, and a month reviewed on its own (its units’ month before)', async () => {
    for (const scope of [`street:${STREET}`, 'city']) {
      const single = await both(scope, M1, M1)
      expectReportsAgree(single)
      expect(single.rollups.through).toBe(undefined)
      // The units' month before is the month before last, outside the range: read all the same.
      expect(single.rollups.units.some((u) => u.previous.reported > 0 && u.previous.resolveP50 !== undefined)).toBe(true)
      expectReportsAgree(await both(scope, addMonths(M0, -12), M1))
    }
  })

  it('cut a month under way at any hour: bases without a whole UTC day, across a UTC midnight, and with whole days', async () => {
    // Last month's base is [m1, m1 + (now - m0)) through the end of the hour. The rollups read its
    // whole UTC days from trends_daily and the hours around them from trends_hourly (migration
    // 011); ten of last month's reports sit in its first ten local hours (16:00-02:00 UTC), R2 on
    // its fourth day.
    const cases = [
      { now: m0 + 1.5 * HOUR, inBase: 2 }, // 16:00-18:00 UTC: no UTC midnight
      { now: m0 + 9.5 * HOUR, inBase: 10 }, // 16:00-02:00 UTC: one midnight, no whole day
      { now: m0 + 3 * DAY + 5.5 * HOUR, inBase: 11 }, // two whole UTC days and hours either side: R2 too
    ]
    for (const { now, inBase } of cases) {
      for (const scope of [`street:${STREET}`, 'city']) {
        const r = await both(scope, addMonths(M0, -13), M0, () => now)
        expectReportsAgree(r)
        expect(month(r.rollups, M0).prev.reported, `${scope} at ${new Date(now).toISOString()}`).toBe(inBase)
      }
    }
  })

  it('follow reports already folded: a late reported event, a reopening resolved next month, a rejection', async () => {
    const before = (await both()).rollups
    const late = [
      reported('R1', m1 + 4 * DAY, mgs[0]!),
      ev('R2', 'reopened', m0 + 2 * HOUR, mgs[1]!),
      ev('R2', 'resolved', m0 + 3 * HOUR, mgs[1]!),
      ev('R3', 'rejected', m0 + 4 * HOUR, mgs[2]!),
    ]
    expect((await app.post('reports', late)).body.accepted).toBe(late.length)
    await app.settle()
    const after = await both()
    expectReportsAgree(after)
    // R1 now has its report last month; R2's resolution moved to this month; R3 is rejected.
    expect(month(after.rollups, M1).reported).toBe(month(before, M1).reported + 1)
    expect(month(after.rollups, M1).resolved).toBe(month(before, M1).resolved - 1)
    expect(month(after.rollups, M0).resolved).toBe(month(before, M0).resolved + 1)
    expect(month(after.rollups, M0).reopened).toBe(month(before, M0).reopened + 1)
    expect(month(after.rollups, M0).rejected).toBe(month(before, M0).rejected + 1)
    expect(month(after.rollups, M1).resolveP50).not.toBe(undefined)
  })

  it('write nothing when nothing changed: a pass again, and a resend', async () => {
    const count = async () => Number((await (await app.store.reader.query({ query: 'SELECT count() AS n FROM trends_contrib', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    const n = await count()
    await app.rollups.fold()
    expect(await count()).toBe(n)
    const resend = [reported('R1', m1 + 4 * DAY, mgs[0]!)]
    resend[0]!.event_id = `${resend[0]!.event_id}-again`
    expect((await app.post('reports', resend)).body.accepted).toBe(1) // a new id with the same content: same report state
    await app.settle()
    expect(await count()).toBe(n)
    expectReportsAgree(await both())
  })

  it('are compacted into one part per table a review reads, with the same figures', async () => {
    const REVIEWED = ['trends_monthly', 'trends_hourly', 'trends_daily', 'visit_week_sets', 'visit_weeks']
    const parts = async (table: string) =>
      Number((await (await app.store.admin.query({ query: 'SELECT count() AS n FROM system.parts WHERE active AND database = currentDatabase() AND table = {t:String}', query_params: { t: table }, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    // The engine's own merges held off (at most one part a merge), so only the maintainer's compaction can merge these parts.
    for (const t of REVIEWED) await app.store.admin.command({ query: `ALTER TABLE ${t} MODIFY SETTING max_parts_to_merge_at_once = 1` })
    try {
      for (let i = 0; i < 3; i++) {
        const at = m0 + (6 + i) * HOUR
        const events = [reported(`C${i}`, at, mgs[i]!), ev(`C${i}`, 'verified', at + (20 + i) * 60_000, mgs[i]!)]
        expect((await app.post('reports', events)).body.accepted).toBe(events.length)
        await app.settle()
      }
      expect(await parts('trends_monthly')).toBeGreaterThan(1)
      expect(await parts('trends_daily')).toBeGreaterThan(1)
      expect(await parts('trends_hourly')).toBeGreaterThan(1)
      const before = await both()
      const compactions = app.rollups.stats.compactions
      await app.rollups.compact()
      expect(app.rollups.stats.compactions).toBe(compactions + 1)
      for (const t of ['trends_monthly', 'trends_hourly', 'trends_daily']) expect(await parts(t), t).toBe(1)
      for (const t of REVIEWED) expect(await parts(t), t).toBeLessThanOrEqual(1)
      const after = await both()
      const figures = ({ asOf: _a, through: _t, ...r }: TrendsReport) => r
      expect(figures(after.rollups)).toEqual(figures(before.rollups))
      expectReportsAgree(after)
    } finally {
      for (const t of REVIEWED) await app.store.admin.command({ query: `ALTER TABLE ${t} RESET SETTING max_parts_to_merge_at_once` })
    }
  })

  it('pick up where they left off after a restart, without folding everything again', async () => {
    const before = (await both()).rollups
    await app.close()
    app = await startTestApp({ DATA_DIR: dataDir })
    const fresh = [reported('R9', m0 + 5 * HOUR, mgs[3]!)]
    expect((await app.post('reports', fresh)).body.accepted).toBe(1)
    await app.settle()
    expect(app.rollups.stats.fullFolds).toBe(0)
    // A maintainer compacts at its first pass, then every COMPACT_MS.
    expect(app.rollups.stats.compactions).toBe(1)
    const after = await both()
    expectReportsAgree(after)
    expect(month(after.rollups, M0).reported).toBe(month(before, M0).reported + 1)
  })

  it('are folded again from the start after a restart when their sums lost writes the contributions hold', async () => {
    // As if a crash came between a contribution and its views' writes: the monthly sums miss some.
    await app.store.admin.command({ query: "ALTER TABLE trends_monthly DELETE WHERE level = 'district' SETTINGS mutations_sync = 2" })
    await app.close()
    app = await startTestApp({ DATA_DIR: dataDir })
    await app.settle()
    expect(app.rollups.stats.fullFolds).toBe(1)
    expectReportsAgree(await both())
    expectReportsAgree(await both('city'))
  })

  it('are folded again from the start after a restart when the hourly or daily sums lost writes', async () => {
    // The same for the views of migration 011: the monthly sums are whole, the recent days are not.
    for (const table of ['trends_daily', 'trends_hourly']) {
      await app.store.admin.command({ query: `ALTER TABLE ${table} DELETE WHERE level = 'district' SETTINGS mutations_sync = 2` })
      await app.close()
      app = await startTestApp({ DATA_DIR: dataDir })
      await app.settle()
      expect(app.rollups.stats.fullFolds, table).toBe(1)
      expectReportsAgree(await both('city', addMonths(M0, -13), M0, () => m0 + 3 * DAY + 5.5 * HOUR))
    }
  })

  it('are folded again from the start when the SLA changes, and not read until then', async () => {
    const admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
    const before = (await both()).rollups
    const put = await fetch(`${app.url}/api/v1/admin/sla`, {
      method: 'PUT',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ sla: { clutter: { verifyMin: 10, resolveMin: 30 }, illegal_parking: { verifyMin: 10, resolveMin: 30 } } }),
    })
    expect(put.status).toBe(200)
    expect(app.rollups.ready()).toBe(false)
    const folds = app.rollups.stats.fullFolds
    const compactions = app.rollups.stats.compactions
    await app.rollups.fold()
    expect(app.rollups.stats.fullFolds).toBe(folds + 1)
    // …and compacted after it, whenever they were last.
    expect(app.rollups.stats.compactions).toBe(compactions + 1)
    const after = await both()
    expectReportsAgree(after)
    expect(month(after.rollups, M1).overran).toBeGreaterThan(month(before, M1).overran)
  })
})
