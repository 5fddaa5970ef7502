/**
 * The monthly review is right: a known dataset — late and out-of-order events, a resend, a
 * reopened and a rejected report, reports on both sides of a month boundary in Asia/Shanghai,
 * last year's months, weekly visits — and every figure of GET /api/v1/trends checked against
 * figures computed here from the raw events (report_events and visit_events, read with FINAL),
 * not through report_state or the trends queries. The API reads the rollups (migration 008); the
 * same review read from report_current (what is served while the rollups are folded) is checked
 * too. Percentiles are checked on months with few enough durations to know them exactly: those
 * read from report_current must be exact, those from the rollups' histograms within 1%.
 * Fixture: GridPulse with the demo registry and no events; the app's clock is local noon today.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, DISPLAY_TOKEN, signIn, startTestApp, type SignedIn, type TestApp } from '../support/app.ts'
import { slaTable } from '../../server/sla.ts'
import { addMonths, monthOf, monthStart, monthRange, weeksBetween } from '../../server/trends/calendar.ts'
import { trendsSource } from '../../server/trends/report.ts'
import { localParts } from '../../server/live/localTime.ts'
import type { PeriodFigures, TrendsReport } from '../../server/contracts/trends.ts'

const TZ = 'Asia/Shanghai'
const STREET = 'qingbaijiang.dawan'
const HOUR = 3_600_000
const DAY = 24 * HOUR
let app: TestApp
let admin: SignedIn
let report: TrendsReport
/** The same review read from report_current, not the rollups. */
let fromEvents: TrendsReport
let seq = 0
let M0: string
let M1: string

const iso = (ms: number) => new Date(ms).toISOString()

function lifecycle(mg: string, category: string, reportedAt: number | null, steps: Array<[string, number]>, role = 'grid_worker') {
  const id = `TR-${process.pid}-${++seq}`
  const base = { report_id: id, micro_grid: mg }
  const reported = reportedAt === null ? [] : [{ ...base, event_id: `${id}-r`, type: 'reported', at: iso(reportedAt), category, channel: 'app', reporter_role: role }]
  return [...reported, ...steps.map(([type, at], i) => ({ ...base, event_id: `${id}-${type}-${i}`, type, at: iso(at) }))]
}

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await app.store.reader.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
}

beforeAll(async () => {
  app = await startTestApp()
  admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  const reg = app.registry()
  const mgs = reg.places.filter((p) => p.level === 'micro_grid' && p.code.startsWith(`${STREET}.`))
  const mgA = mgs[0]!.code
  const mgB = mgs.find((p) => reg.microGridPath(p.code)!.community !== reg.microGridPath(mgA)!.community)!.code
  const elsewhere = reg.places.find((p) => p.level === 'micro_grid' && p.code.startsWith('wenjiang.'))!.code
  const now = app.now()
  M0 = monthOf(now, TZ)
  M1 = addMonths(M0, -1)
  const m1 = monthStart(M1, TZ)
  const m0 = monthStart(M0, TZ)
  const y1 = monthStart(addMonths(M1, -12), TZ)
  // Last month's base of this month ends at the same day and hour, through the end of that hour.
  const cut = Math.min(Math.ceil((m1 + (now - m0)) / HOUR) * HOUR, m0)
  const events: Array<Record<string, unknown>> = [
    // Either side of that cut: the first is in last month's base, the second is not (both in last month).
    ...lifecycle(mgA, 'illegal_ads', cut - 0.5 * HOUR, [['verified', cut - 0.25 * HOUR]]),
    ...lifecycle(mgB, 'illegal_ads', cut + 0.5 * HOUR - (cut === m0 ? HOUR : 0), []),
    // Community A, last month: closed in time; resolved late (clutter: 2 days) and closed late; reopened and closed again.
    ...lifecycle(mgA, 'clutter', m1 + 2 * DAY + 10 * HOUR, [['verified', m1 + 2 * DAY + 10.5 * HOUR], ['resolved', m1 + 2 * DAY + 12 * HOUR], ['closed', m1 + 2 * DAY + 13 * HOUR]]),
    ...lifecycle(mgA, 'clutter', m1 + 4 * DAY, [['verified', m1 + 4 * DAY + HOUR], ['resolved', m1 + 7 * DAY], ['closed', m1 + 7.5 * DAY]]),
    ...lifecycle(mgA, 'illegal_parking', m1 + 9 * DAY, [['verified', m1 + 9 * DAY + 0.5 * HOUR], ['resolved', m1 + 9 * DAY + HOUR], ['closed', m1 + 9 * DAY + 2 * HOUR], ['reopened', m1 + 10 * DAY], ['resolved', m1 + 10 * DAY + 3 * HOUR], ['closed', m1 + 10 * DAY + 4 * HOUR]], 'mobile_worker'),
    // Community B: rejected; and one reported 30 minutes before this month began (last month, local) but resolved and closed after.
    ...lifecycle(mgB, 'sanitation', m1 + 11 * DAY, [['rejected', m1 + 11 * DAY + HOUR]]),
    ...lifecycle(mgB, 'sanitation', m0 - 0.5 * HOUR, [['verified', m0 - 0.25 * HOUR], ['resolved', m0 + 0.5 * HOUR], ['closed', m0 + HOUR]]),
    // This month: a mobile worker's report 30 minutes after the month began; a report still open.
    ...lifecycle(mgB, 'flying_wire_charging', m0 + 0.5 * HOUR, [['verified', m0 + 1.5 * HOUR]], 'mobile_worker'),
    ...lifecycle(mgA, 'safety_hazard', now - 5 * HOUR, [['verified', now - 4 * HOUR]]),
    // A year ago: the same months, for 同比.
    ...lifecycle(mgA, 'clutter', y1 + 3 * DAY, [['resolved', y1 + 3 * DAY + 5 * HOUR], ['closed', y1 + 3 * DAY + 6 * HOUR]]),
    ...lifecycle(mgB, 'illegal_ads', y1 + 20 * DAY, []),
    // Another street: never in this street's review.
    ...lifecycle(elsewhere, 'clutter', m1 + 3 * DAY, [['resolved', m1 + 3 * DAY + HOUR]]),
  ]
  // A report is where and what its first `reported` event says (migration 012): its later steps
  // come from another community's micro-grid (the greater code, which a max over events would
  // pick), its verification claims a mobile grid worker, and a second `reported` says
  // illegal_parking (SLA 8 hours: resolved after 10 it would overrun; clutter's 2 days it does not).
  const [placed, stray] = [mgA, mgB].sort() as [string, string]
  const origin = `TR-${process.pid}-${++seq}`
  const o = { report_id: origin, micro_grid: stray }
  events.push(
    { ...o, event_id: `${origin}-r`, type: 'reported', at: iso(m1 + 5 * DAY), micro_grid: placed, category: 'clutter', channel: 'app', reporter_role: 'grid_worker' },
    { ...o, event_id: `${origin}-r2`, type: 'reported', at: iso(m1 + 5 * DAY + HOUR), category: 'illegal_parking', channel: 'wechat', reporter_role: 'grid_worker' },
    { ...o, event_id: `${origin}-v`, type: 'verified', at: iso(m1 + 5 * DAY + 2 * HOUR), reporter_role: 'mobile_worker' },
    { ...o, event_id: `${origin}-s`, type: 'resolved', at: iso(m1 + 5 * DAY + 10 * HOUR) },
  )
  // Late and out of order: a report whose `resolved` comes first, `reported` last.
  const late = lifecycle(mgB, 'public_facility', m1 + 15 * DAY, [['verified', m1 + 15 * DAY + 2 * HOUR], ['resolved', m1 + 16 * DAY]])
  expect((await app.post('reports', events)).body.accepted).toBe(events.length)
  expect((await app.post('reports', events)).body.duplicates).toBe(events.length) // a resend
  for (const e of [...late].reverse()) expect((await app.post('reports', e)).body.accepted).toBe(1)
  // Visits: household h1 twice in one week (counts once), h2 in two weeks, h3 in another street.
  const weekOf = (ms: number) => ms
  const visit = (hh: string, at: number, mg: string) => ({ event_id: `V-${process.pid}-${++seq}`, at: iso(weekOf(at)), micro_grid: mg, worker_id: 'w1', worker_role: 'grid_worker', household: hh, groups: ['elderly'], kind: 'patrol' })
  // h4: the last hour of last month and the first of this one — one week, owned by its Monday's month;
  // h5 has no key-population group: not counted.
  const visits = [
    visit('h1', m1 + 8 * DAY, mgA),
    visit('h1', m1 + 8 * DAY + HOUR, mgA),
    visit('h2', m1 + 8 * DAY, mgB),
    visit('h2', m1 + 15 * DAY, mgB),
    visit('h3', m1 + 8 * DAY, elsewhere),
    visit('h4', m0 - HOUR, mgA),
    visit('h4', m0 + HOUR, mgA),
    // In the week of last month's cut: h6 ten times in one hour before it (in the base, once: ten
    // would move the coverage whatever the number of weeks it is divided by), h7 after it.
    ...Array.from({ length: 10 }, (_, i) => visit('h6', cut - 2 * HOUR + i * 60_000, mgB)),
    visit('h7', Math.min(cut + HOUR, m0 - HOUR / 2), mgA),
    { ...visit('h5', m1 + 8 * DAY, mgB), groups: [] },
  ]
  expect((await app.post('visits', visits)).body.accepted).toBe(visits.length)
  await app.settle()
  const res = await fetch(`${app.url}/api/v1/trends?scope=street:${STREET}&from=${M1}&to=${M0}`, { headers: { cookie: admin.cookie } })
  expect(res.status).toBe(200)
  report = (await res.json()) as TrendsReport
  fromEvents = await trendsSource({ reader: app.store.reports, registry: app.registry, sla: () => slaTable(), tz: TZ, now: app.now }).report(`street:${STREET}`, M1, M0)
})

afterAll(async () => {
  await app?.stopAndClean()
})

interface Raw {
  report_id: string
  community: string
  type: string
  at_ms: string
  category: string
  reporter_role: string
}

/** Linear interpolation between neighbours, as the engine's `quantiles` does for small sets. */
function q(sorted: number[], p: number): number {
  const pos = (sorted.length - 1) * p
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return Math.round((sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)) * 10) / 10
}

/** Every figure of one unit and month, from the raw events. */
/** A period: a month, months first…last, or an instant span [start, end) (a base cut inside a month). */
type Period = string | [string, string] | { start: number; end: number }

/** The bases of the month under way are cut at the same day and hour, through the end of that hour (同期). */
function cutAt(month: string): { start: number; end: number } {
  const elapsed = app.now() - monthStart(M0, TZ)
  const start = monthStart(month, TZ)
  // Asia/Shanghai is a whole number of hours from UTC: its hours end where UTC's do.
  return { start, end: Math.min(Math.ceil((start + elapsed) / HOUR) * HOUR, monthStart(addMonths(month, 1), TZ)) }
}

async function expected(period: Period, unit: string | null): Promise<Omit<PeriodFigures, 'keyHouseholds' | 'households' | 'visited'>> {
  const span = typeof period === 'object' && !Array.isArray(period) ? period : undefined
  const [first, last] = span ? ['', ''] : Array.isArray(period) ? period : [period as string, period as string]
  const raw = await rows<Raw>(
    `SELECT report_id, community, toString(type) AS type, toString(toUnixTimestamp64Milli(at)) AS at_ms, category, reporter_role FROM report_events FINAL WHERE street = {s:String}`,
    { s: STREET },
  )
  const byReport = new Map<string, Raw[]>()
  for (const r of raw) byReport.set(r.report_id, [...(byReport.get(r.report_id) ?? []), r])
  const sla = slaTable()
  const resolveSla = (cat: string) => sla.resolveMin[sla.categories.indexOf(cat)] ?? sla.defaultResolveMin
  const inPeriod = (ms: number | undefined) => ms !== undefined && (span ? ms >= span.start && ms < span.end : monthOf(ms, TZ) >= first && monthOf(ms, TZ) <= last)
  const f = { reported: 0, categories: {} as Record<string, number>, mobile: 0, verified: 0, resolved: 0, overran: 0, closed: 0, closedOnTime: 0, reopened: 0, rejected: 0 }
  const verifyMin: number[] = []
  const resolveMin: number[] = []
  for (const evs of byReport.values()) {
    // The report's first `reported` event places it and says what it is; without one, its earliest event places it. (No two
    // events of a report here share a millisecond: the store breaks such ties by a hash of the event id.)
    const earliest = [...evs].sort((a, b) => Number(a.type !== 'reported') - Number(b.type !== 'reported') || Number(a.at_ms) - Number(b.at_ms))[0]!
    if (unit !== null && earliest.community !== unit) continue
    const times = (type: string) => evs.filter((e) => e.type === type).map((e) => Number(e.at_ms))
    const first_ = (type: string) => (times(type).length ? Math.min(...times(type)) : undefined)
    const last_ = (type: string) => (times(type).length ? Math.max(...times(type)) : undefined)
    const rep = earliest.type === 'reported' ? earliest : undefined
    const reportedAt = first_('reported')
    const category = rep?.category ?? ''
    const minutes = (t: number) => (reportedAt === undefined ? undefined : (t - reportedAt) / 60_000)
    if (inPeriod(reportedAt)) {
      f.reported++
      f.categories[category] = (f.categories[category] ?? 0) + 1
      if (rep!.reporter_role === 'mobile_worker') f.mobile++
    }
    const ver = first_('verified')
    if (inPeriod(ver)) {
      f.verified++
      if (minutes(ver!) !== undefined) verifyMin.push(minutes(ver!)!)
    }
    const res = last_('resolved')
    if (inPeriod(res)) {
      f.resolved++
      const m = minutes(res!)
      if (m !== undefined) {
        resolveMin.push(m)
        if (m > resolveSla(category)) f.overran++
      }
    }
    const clo = last_('closed')
    if (inPeriod(clo)) {
      f.closed++
      const m = minutes(clo!)
      if (m !== undefined && m <= resolveSla(category)) f.closedOnTime++
    }
    if (inPeriod(last_('reopened'))) f.reopened++
    if (inPeriod(last_('rejected'))) f.rejected++
  }
  const out: Omit<PeriodFigures, 'keyHouseholds' | 'households' | 'visited'> = { ...f }
  verifyMin.sort((a, b) => a - b)
  resolveMin.sort((a, b) => a - b)
  if (verifyMin.length) Object.assign(out, { verifyP50: q(verifyMin, 0.5), verifyP90: q(verifyMin, 0.9) })
  if (resolveMin.length) Object.assign(out, { resolveP50: q(resolveMin, 0.5), resolveP90: q(resolveMin, 0.9) })
  return out
}

const reportFigures = (f: PeriodFigures) => {
  const { keyHouseholds: _k, households: _h, visited: _v, ...rest } = f
  return rest
}

const PERCENTILES = ['verifyP50', 'verifyP90', 'resolveP50', 'resolveP90'] as const
/**
 * `actual` has the figures of `expected`: counts exactly; percentiles exactly when read from
 * report_current, within 1% (and the rounding to 0.1) when read from the rollups' histograms.
 */
function expectFigures(actual: PeriodFigures, expectedFigures: Awaited<ReturnType<typeof expected>>, source: TrendsReport['source'], label = '') {
  const got = reportFigures(actual)
  if (source === 'events') return expect(got, label).toEqual(expectedFigures)
  const strip = (f: Record<string, unknown>) => Object.fromEntries(Object.entries(f).filter(([k]) => !(PERCENTILES as readonly string[]).includes(k)))
  expect(strip(got), label).toEqual(strip(expectedFigures))
  for (const k of PERCENTILES) {
    expect(k in got, `${label} ${k}`).toBe(k in expectedFigures)
    if (expectedFigures[k] !== undefined) expect(Math.abs(got[k]! - expectedFigures[k]), `${label} ${k}: ${got[k]} vs ${expectedFigures[k]}`).toBeLessThanOrEqual(expectedFigures[k] * 0.01 + 0.05)
  }
}

describe('the monthly review against the raw events', () => {
  it('is read from the rollups once they are folded, and from report_current before', () => {
    expect(report.source).toBe('rollups')
    expect(fromEvents.source).toBe('events')
  })

  it('has every month of the range, each with the month before and the same month a year earlier', async () => {
    for (const r of [report, fromEvents]) {
      expect(r.months.map((m) => m.month)).toEqual([M1, M0])
      // This month is under way: its bases are cut at the same day and hour; last month's are whole.
      expect(monthOf(Date.parse(r.through!), TZ)).toBe(M0)
      for (const m of r.months) {
        const { month, prev, lastYear, ...figures } = m
        const under = month === M0
        expectFigures(figures, await expected(month, null), r.source, `${r.source} ${month}`)
        expectFigures(prev, await expected(under ? cutAt(addMonths(month, -1)) : addMonths(month, -1), null), r.source, `${r.source} ${month} prev`)
        expectFigures(lastYear, await expected(under ? cutAt(addMonths(month, -12)) : addMonths(month, -12), null), r.source, `${r.source} ${month} last year`)
      }
    }
  })

  it('puts each step in the local month it happened in, and counts a resend and a late report once', () => {
    const [last, now] = report.months
    // Reported 30 minutes before this month began (local time) → last month; resolved after → this month.
    expect(last!.reported).toBe(9) // three in A, the rejected one, the one before midnight, the late one, the two at the cut, the one reported twice
    expect(now!.reported).toBe(2)
    expect(now!.resolved).toBe(1)
    // Overran: the clutter report resolved after 3 days, and the parking report whose second
    // resolution came a day after it was reported (illegal parking: 8 hours); not the report
    // first made as clutter and resolved after 10 hours, whatever its second `reported` says.
    // Mobile: the parking report; not the one whose verification claimed a mobile grid worker.
    expect(last!).toMatchObject({ reopened: 1, rejected: 1, overran: 2, mobile: 1 })
    // Closed: the three in A — the reopened one once, at its last closure; only the first in time.
    expect(last!).toMatchObject({ closed: 3, closedOnTime: 1 })
    expect(last!.lastYear).toMatchObject({ reported: 2, closed: 1, closedOnTime: 1 })
  })

  it('gives the year to date and the same months a year earlier', async () => {
    const ytdFrom = `${M0.slice(0, 4)}-01`
    for (const r of [report, fromEvents]) {
      expect(r.ytd.from).toBe(ytdFrom)
      expectFigures(r.ytd.current, await expected([ytdFrom, M0], null), r.source, r.source)
      const lastYearTo = cutAt(addMonths(M0, -12))
      expectFigures(r.ytd.lastYear, await expected({ start: monthStart(addMonths(ytdFrom, -12), TZ), end: lastYearTo.end }, null), r.source, r.source)
    }
  })

  it('gives each community its last month, the month before and its most frequent categories', async () => {
    const communities = app.registry().children(STREET)
    for (const r of [report, fromEvents]) expect(r.units.map((u) => u.code)).toEqual(communities.map((c) => c.code))
    for (const u of fromEvents.units) {
      const fromRollups = report.units.find((x) => x.code === u.code)!
      expect(fromRollups.topCategories).toEqual(u.topCategories)
      for (const [r, unit] of [[fromEvents, u], [report, fromRollups]] as const) {
        expectFigures(unit.month, await expected(M0, u.code), r.source, `${r.source} ${u.code}`)
        expectFigures(unit.previous, await expected(cutAt(M1), u.code), r.source, `${r.source} ${u.code} previous`)
      }
      const both = [await expected(M1, u.code), await expected(M0, u.code)]
      const totals: Record<string, number> = {}
      for (const e of both) for (const [c, n] of Object.entries(e.categories)) totals[c] = (totals[c] ?? 0) + n
      const top = Object.entries(totals).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3).map(([category, n]) => ({ category, n }))
      expect(u.topCategories).toEqual(top)
    }
  })

  it('counts weekly visit coverage: households per week, a household twice in a week once, weeks whole and without visits as zero', async () => {
    const raw = await rows<{ household: string; community: string; at_ms: string; groups: string[] }>(
      `SELECT household, community, toString(toUnixTimestamp64Milli(at)) AS at_ms, groups FROM visit_events FINAL WHERE street = {s:String}`,
      { s: STREET },
    )
    const mondayOf = (ms: number) => {
      const p = localParts(ms, TZ)
      const civil = Date.UTC(p.y, p.m - 1, p.d)
      const back = (new Date(civil).getUTCDay() + 6) % 7
      return new Date(civil - back * DAY).toISOString().slice(0, 10)
    }
    const localDay = (ms: number) => {
      const p = localParts(ms, TZ)
      return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`
    }
    // Household-weeks whose week's Monday falls in the period (a cut period: visits up to its
    // cut, Mondays up to its cut day), ÷ the weeks of the period.
    const visitedIn = (firstDay: string, endDay: string, before: number, unit: string | null) => {
      const weeks = new Set(
        raw
          .filter((v) => v.groups.length > 0 && (unit === null || v.community === unit) && Number(v.at_ms) < before)
          .map((v) => ({ v, monday: mondayOf(Number(v.at_ms)) }))
          .filter(({ monday }) => monday >= firstDay && monday < endDay)
          .map(({ v, monday }) => `${monday}|${v.household}`),
      )
      const n = weeksBetween(firstDay, endDay, TZ, app.now())
      return n > 0 ? weeks.size / n : 0
    }
    const visited = (first: string, last: string, unit: string | null) => visitedIn(`${first}-01`, `${addMonths(last, 1)}-01`, Infinity, unit)
    const visitedCut = (span: { start: number; end: number }, unit: string | null) => visitedIn(localDay(span.start), localDay(span.end + DAY), span.end, unit)
    const ytdFrom = `${M0.slice(0, 4)}-01`
    for (const r of [report, fromEvents]) {
      for (const m of r.months) {
        expect(m.visited, `${r.source} ${m.month}`).toBe(visited(m.month, m.month, null))
        expect(m.prev.visited, `${r.source} ${m.month} prev`).toBe(m.month === M0 ? visitedCut(cutAt(M1), null) : visited(addMonths(m.month, -1), addMonths(m.month, -1), null))
      }
      expect(r.months[0]!.visited).toBeGreaterThan(0)
      for (const u of r.units) {
        expect(u.previous.visited, `${r.source} ${u.code}`).toBe(visitedCut(cutAt(M1), u.code))
        expect(u.month.visited, `${r.source} ${u.code}`).toBe(visited(M0, M0, u.code))
      }
      expect(r.ytd.current.visited, r.source).toBe(visited(ytdFrom, M0, null))
      expect(r.months[0]!.keyHouseholds).toBe(app.registry().byCode.get(STREET)!.keyHouseholds)
    }
  })

  it('refuses a display token, a bad range and a scope outside the caller’s', async () => {
    const asToken = await fetch(`${app.url}/api/v1/trends?scope=street:${STREET}`, { headers: { authorization: `Bearer ${DISPLAY_TOKEN}` } })
    expect(asToken.status).toBe(403)
    const bad = await fetch(`${app.url}/api/v1/trends?scope=street:${STREET}&from=2026-13`, { headers: { cookie: admin.cookie } })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toMatch(/^from:/)
    expect(monthRange('2026-05', '2026-02', '2026-11')).toEqual({ error: 'from: 2026-05 is after to: 2026-02' })
    expect(monthRange(undefined, undefined, '2026-11')).toEqual({ from: '2025-12', to: '2026-11' })
    expect('error' in monthRange('2020-01', '2026-11', '2026-11')).toBe(true)
  })
})
