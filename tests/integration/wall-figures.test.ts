/**
 * The wall's figures against independent SQL over the raw events: yesterday at the same time,
 * the 7-day ranking and heatmap, the hex layer (coordinates sent, and the micro-grid's centroid
 * when not), stage response against the SLA — with a resend and a late `resolved` in the mix —
 * and the alerts (an emergency at once, a spike against an empty baseline).
 * Fixture: GridPulse with the demo registry and no events; the app's clock is pinned to local noon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { slaTable } from '../../server/sla.ts'
import { chTime } from '../../sql/queries.ts'
import { localDayStart } from '../../server/live/localTime.ts'
import type { LiveSnapshot } from '../../server/contracts/live.ts'

const STREET = 'qingbaijiang.dawan'
const TZ = 'Asia/Shanghai'
const DAY = 86_400_000
const HOUR = 3_600_000
let app: TestApp
let seq = 0
let mgA: string
let mgB: string
let communityA: string
let snap: LiveSnapshot

const iso = (ms: number) => new Date(ms).toISOString()

async function rows<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  return (await app.store.reader.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()
}

function lifecycle(mg: string, category: string, reportedAt: number, steps: Array<[string, number]>, over: Record<string, unknown> = {}) {
  const id = `WF-${process.pid}-${++seq}`
  const base = { report_id: id, micro_grid: mg }
  return [
    { ...base, event_id: `${id}-r`, type: 'reported', at: iso(reportedAt), category, channel: 'app', reporter_role: 'grid_worker', ...over },
    ...steps.map(([type, at]) => ({ ...base, event_id: `${id}-${type}`, type, at: iso(at) })),
  ]
}

beforeAll(async () => {
  app = await startTestApp()
  const mgs = app.registry().places.filter((p) => p.level === 'micro_grid' && p.code.startsWith(`${STREET}.`))
  mgA = mgs[0]!.code
  communityA = app.registry().microGridPath(mgA)!.community
  mgB = mgs.find((p) => app.registry().microGridPath(p.code)!.community !== communityA)!.code
  const now = app.now()
  const events = [
    // Community A: six reports over the week, all resolved; clutter's resolve SLA is 2 days.
    ...[1, 2, 3, 4, 5, 6].flatMap((d) => lifecycle(mgA, 'clutter', now - d * DAY, [['verified', now - d * DAY + HOUR], ['resolved', now - d * DAY + (d === 6 ? 3 : 1) * DAY]], { lat: 30.7801 + d * 0.001, lon: 104.2501 })),
    // Community B: two reports, one without coordinates (drawn at its micro-grid's centroid).
    ...lifecycle(mgB, 'sanitation', now - 2 * DAY, [['resolved', now - 2 * DAY + 2 * HOUR]]),
    ...lifecycle(mgB, 'sanitation', now - 30 * HOUR, [], { lat: 30.79, lon: 104.26 }),
    // Yesterday before the same time of day: open then; closed since.
    ...lifecycle(mgB, 'illegal_parking', now - DAY - 2 * HOUR, [['verified', now - DAY - HOUR], ['resolved', now - 20 * HOUR], ['closed', now - 19 * HOUR]]),
  ]
  // The whole batch twice: a resend must not count twice.
  expect((await app.post('reports', events)).body.accepted).toBe(events.length)
  expect((await app.post('reports', events)).body.duplicates).toBe(events.length)
  // A late `resolved` whose `reported` arrives after it.
  const late = lifecycle(mgA, 'illegal_parking', now - 3 * HOUR, [['resolved', now - 2 * HOUR]])
  expect((await app.post('reports', late[1])).body.accepted).toBe(1)
  expect((await app.post('reports', late[0])).body.accepted).toBe(1)
  await app.settle()
  snap = await app.hub.snapshot(`street:${STREET}`)
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('the wall against SQL over the raw events', () => {
  it('yesterday at the same time of day', async () => {
    const now = app.now()
    const dayStart = localDayStart(now, TZ)
    const ydayStart = localDayStart(dayStart - 1, TZ)
    const ydayNow = ydayStart + (now - dayStart)
    const [y] = await rows<{ reported: string; resolved: string; closed: string }>(
      `SELECT uniqExactIf(report_id, type = 'reported') AS reported, uniqExactIf(report_id, type = 'resolved') AS resolved, uniqExactIf(report_id, type = 'closed') AS closed
       FROM report_events FINAL WHERE street = {street:String} AND at >= {from:DateTime64(3, 'UTC')} AND at <= {to:DateTime64(3, 'UTC')}`,
      { street: STREET, from: chTime(ydayStart), to: chTime(ydayNow) },
    )
    expect(snap.yesterday.reported).toBe(Number(y!.reported))
    expect(snap.yesterday.resolved).toBe(Number(y!.resolved))
    expect(snap.yesterday.closed).toBe(Number(y!.closed))
    // Open at that instant: reported by then and not closed or rejected by then.
    const [o] = await rows<{ open: string }>(
      `SELECT countIf(rep <= {t:DateTime64(3, 'UTC')} AND NOT (closed IS NOT NULL AND closed <= {t:DateTime64(3, 'UTC')})) AS open FROM (
         SELECT report_id, minIf(at, type = 'reported') AS rep, minIf(toNullable(at), type = 'closed') AS closed
         FROM report_events FINAL WHERE street = {street:String} GROUP BY report_id)`,
      { street: STREET, t: chTime(ydayNow) },
    )
    expect(snap.yesterday.open).toBe(Number(o!.open))
    expect(snap.yesterday.open).toBeGreaterThan(0)
  })

  it('the 7-day ranking and heatmap per community', async () => {
    const now = app.now()
    const sla = slaTable()
    const expected = await rows<{ community: string; reported: string; resolved: string; on_time: string }>(
      `SELECT community,
              countIf(rep >= {since:DateTime64(3, 'UTC')}) AS reported,
              countIf(res >= {since:DateTime64(3, 'UTC')}) AS resolved,
              countIf(res >= {since:DateTime64(3, 'UTC')} AND rep IS NOT NULL AND dateDiff('second', rep, res) <= 60 * transform(cat, {cats:Array(String)}, {mins:Array(UInt32)}, 0)) AS on_time
       FROM (SELECT report_id, argMin(community, (type != 'reported', at)) AS community, argMinIf(category, at, type = 'reported') AS cat,
                    minIf(toNullable(at), type = 'reported') AS rep, maxIf(toNullable(at), type = 'resolved') AS res
             FROM report_events FINAL WHERE street = {street:String} GROUP BY report_id)
       GROUP BY community`,
      { street: STREET, since: chTime(now - 7 * DAY), cats: sla.categories, mins: sla.resolveMin },
    )
    expect(expected.length).toBe(2)
    for (const e of expected) {
      const r = snap.ranking.find((x) => x.code === e.community)!
      expect({ reported: r.reported7d, resolved: r.resolved7d, onTime: r.onTime7d }).toEqual({ reported: Number(e.reported), resolved: Number(e.resolved), onTime: Number(e.on_time) })
      const households = app.registry().byCode.get(e.community)!.households
      expect(r.per100).toBeCloseTo((Number(e.reported) * 100) / households, 1)
    }
    // Community A resolved 7 (six of the week and the late one), 6 in time: ranked; B (1 resolved) is not.
    const a = snap.ranking.find((x) => x.code === communityA)!
    expect(a).toMatchObject({ resolved7d: 7, onTime7d: 6, rank: 1 })
    expect(snap.ranking.filter((x) => x.rank !== undefined).map((x) => x.code)).toEqual([communityA])

    const hours = await rows<{ community: string; h: number; n: string }>(
      `SELECT community, toHour(at, {tz:String}) AS h, uniqExact(report_id) AS n FROM report_events FINAL
       WHERE street = {street:String} AND type = 'reported' AND at >= {since:DateTime64(3, 'UTC')} GROUP BY community, h`,
      { street: STREET, tz: TZ, since: chTime(now - 7 * DAY) },
    )
    for (const h of hours) expect(snap.heatmap7d[h.community]![h.h]).toBe(Number(h.n))
    const total = Object.values(snap.heatmap7d).flat().reduce((s, n) => s + n, 0)
    expect(total).toBe(hours.reduce((s, h) => s + Number(h.n), 0))
  })

  it('the hex layer: cells at the street resolution, with the centroid standing in for missing coordinates', async () => {
    const now = app.now()
    const cells = await rows<{ cell: string; n7: string; n24: string }>(
      // H3 cells nest only approximately: a scope's cell is the parent of the report's finest
      // cell (resolution 10), so every report lands in exactly one cell at every level.
      `SELECT h3ToString(h3ToParent(geoToH3(coalesce(e.lat, p.lat), coalesce(e.lon, p.lon), 10), {res:UInt8})) AS cell,
              uniqExact(e.report_id) AS n7, uniqExactIf(e.report_id, e.at >= {since24:DateTime64(3, 'UTC')}) AS n24
       FROM report_events AS e FINAL
       LEFT JOIN (SELECT code, lat, lon FROM places FINAL WHERE removed = 0) AS p ON p.code = e.micro_grid
       WHERE e.street = {street:String} AND e.type = 'reported' AND e.at >= {since7:DateTime64(3, 'UTC')}
       GROUP BY cell`,
      { res: snap.hexRes, street: STREET, since7: chTime(now - 7 * DAY), since24: chTime(now - DAY) },
    )
    expect(snap.hexRes).toBe(9)
    expect(Object.keys(snap.hexes).sort()).toEqual(cells.map((c) => c.cell).sort())
    for (const c of cells) {
      const hex = snap.hexes[c.cell]!
      expect([hex.n7, hex.n24]).toEqual([Number(c.n7), Number(c.n24)])
      // Six corners as [lon, lat] pairs near the street (Qingbaijiang, ~104.2 E, ~30.8 N).
      expect(hex.ring.length).toBe(12)
      expect(hex.ring[0]).toBeGreaterThan(103)
      expect(hex.ring[1]).toBeGreaterThan(30)
    }
  })

  it('stage response today against the SLA', async () => {
    // Resolved today: the late report (illegal_parking, SLA 8 h) an hour after it was reported,
    // and yesterday's clutter report (SLA 2 days) a day after: both in time; the median SLA 28 h.
    expect(snap.response.resolve).toMatchObject({ n: 2, onTime: 2, slaMin: 1680, p50: 750 })
  })

  it('raises an emergency at once, and a spike once the store has a week of history to call usual', async () => {
    const now = app.now()
    const emergency = lifecycle(mgA, 'emergency', now - 60_000, [])
    const spike = Array.from({ length: 6 }, (_, i) => lifecycle(mgB, 'flying_wire_charging', now - (i + 1) * HOUR, [])).flat()
    expect((await app.post('reports', [...emergency, ...spike])).body.accepted).toBe(7)
    await app.settle()
    const communityB = app.registry().microGridPath(mgB)!.community
    // Six days of history: too young to know what is usual, so no spike yet — the emergency at once.
    const young = await app.hub.snapshot(`street:${STREET}`)
    expect(young.alerts.map((a) => [a.kind, a.code])).toEqual([['emergency', mgA]])
    // Twelve days of history, none of it flying-wire charging in B: six in a day is a spike.
    expect((await app.post('reports', lifecycle(mgA, 'clutter', now - 12 * DAY, []))).body.accepted).toBe(1)
    await app.settle()
    const s = await app.hub.snapshot(`street:${STREET}`)
    expect(s.alerts.map((a) => [a.kind, a.code])).toEqual([
      ['emergency', mgA],
      ['spike', communityB],
    ])
    expect(s.alerts[1]).toMatchObject({ category: 'flying_wire_charging', count: 6, usual: 0 })
    // The city wall shows them too; another street's does not.
    expect((await app.hub.snapshot('city')).alerts.length).toBe(2)
    expect((await app.hub.snapshot('street:wenjiang.shouan')).alerts).toEqual([])
  })

  it('keeps today’s figures moving when the window figures cannot be read, and catches up after', async () => {
    const before = await app.hub.snapshot(`street:${STREET}`)
    // The connection the window figures use refuses any query that reads more than a few rows.
    await app.store.reports.command({ query: 'SET max_rows_to_read = 5, read_overflow_mode = \'throw\'' })
    try {
      const late = lifecycle(mgA, 'sanitation', app.now() - 2 * HOUR, [])
      expect((await app.post('reports', late)).body.accepted).toBe(1)
      await app.settle()
      const during = await app.hub.snapshot(`street:${STREET}`)
      expect(during.today.reported).toBe(before.today.reported + 1)
      // The 7-day figures are the last good ones: the new report is not in them yet.
      expect(during.ranking.find((r) => r.code === communityA)!.reported7d).toBe(before.ranking.find((r) => r.code === communityA)!.reported7d)
    } finally {
      await app.store.reports.command({ query: 'SET max_rows_to_read = 0' })
    }
    await app.settle()
    const after = await app.hub.snapshot(`street:${STREET}`)
    expect(after.ranking.find((r) => r.code === communityA)!.reported7d).toBe(before.ranking.find((r) => r.code === communityA)!.reported7d + 1)
  })
})
