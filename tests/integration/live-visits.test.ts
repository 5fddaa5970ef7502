/**
 * Visit coverage for the live wall from the real store: visits posted over HTTP, read back by
 * loadVisitRows (live_visits.sql, live_visits_due.sql) and summed by visitCoverage, against
 * figures computed here with independent SQL over the raw visit_events rows.
 * Fixture: the demo registry, no events, the ingest key INGEST_KEY (tests/support/app.ts).
 * Community A has micro-grids A1 and A2 in two general grids; B is a micro-grid in another
 * district. Households, by their visits (ages relative to the app's clock):
 *   H-recent  A1 1 hour ago                     → visited
 *   H-dup     A2 2 days ago, posted twice       → visited, once
 *   H-old     A1 12 days (returnee), B 10.5 days → due at B, 10 days, groups elderly + returnee
 *   H-moved   A1 9 days, then B 2 days ago      → visited, at B only
 *   H-gone    A1 61 days ago                    → outside the 60-day horizon: neither
 *   H-late    A1 9.5 days ago → due; later a visit of 3 days ago arrives late → visited, and
 *             stays so when one of 20 days ago arrives after it
 *   H-due-NN  eleven households of A, 11–21 days → due; A lists VISIT_DUE_LIST of its 12
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { chTime } from '../../sql/queries.ts'
import { VISIT_DUE_LIST, type VisitCoverage } from '../../server/contracts/live.ts'
import { loadVisitRows, visitCoverage, VISIT_HORIZON_MS, VISIT_WEEK_MS } from '../../server/live/visits.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

let app: TestApp
let communityA: string
let mgA1: string
let mgA2: string
let mgB: string
let seq = 0

function visit(household: string, microGrid: string, ago: number, groups: string[] = ['elderly']) {
  return {
    event_id: `V-${process.pid}-${++seq}`,
    at: new Date(app.now() - ago).toISOString(),
    micro_grid: microGrid,
    worker_id: 'W-test-1',
    worker_role: 'grid_worker',
    household,
    groups,
    kind: 'patrol',
  }
}

async function post(rows: unknown[]): Promise<void> {
  const res = await app.post('visits', rows)
  expect(res.status).toBe(200)
  expect(res.body).toEqual({ accepted: rows.length, duplicates: 0, rejected: [] })
}

/** What the hub would compute at `now`. */
async function coverage(now: number): Promise<Map<string, VisitCoverage>> {
  return visitCoverage(app.registry(), await loadVisitRows(app.store.reader, now), now)
}

interface RawLatest {
  household: string
  micro_grid: string
  grid: string
  community: string
  street: string
  district: string
  at_ms: string
  groups: string[]
}

/**
 * Every household's latest visit in the horizon, straight from the raw rows (FINAL collapses
 * resends), with the place columns ingest stored on the row and the union of its groups.
 */
async function rawLatest(now: number): Promise<RawLatest[]> {
  const rs = await app.store.reader.query({
    query: `
      SELECT household, micro_grid, grid, community, street, district, toString(toUnixTimestamp64Milli(at)) AS at_ms, all_groups AS groups
      FROM
      (
        SELECT household, micro_grid, grid, community, street, district, at
        FROM visit_events FINAL
        WHERE at >= {from:DateTime64(3, 'UTC')} AND at <= {until:DateTime64(3, 'UTC')}
        ORDER BY household ASC, at DESC
        LIMIT 1 BY household
      ) AS latest
      INNER JOIN
      (
        SELECT household, arraySort(arrayDistinct(arrayFlatten(groupArray(groups)))) AS all_groups
        FROM visit_events FINAL
        WHERE at >= {from:DateTime64(3, 'UTC')} AND at <= {until:DateTime64(3, 'UTC')}
        GROUP BY household
      ) AS g USING household
      ORDER BY at ASC, household ASC`,
    query_params: { from: chTime(now - VISIT_HORIZON_MS), until: chTime(now) },
    format: 'JSONEachRow',
  })
  return rs.json<RawLatest>()
}

/**
 * Checks every place's figures against the raw rows: visited and due households per place (each
 * household at its latest visit), key households from the store's places table, and each due
 * list (exact for communities and above; for a grid, the start of its own list).
 */
async function expectMatchesRawRows(cov: Map<string, VisitCoverage>, now: number): Promise<void> {
  const latest = await rawLatest(now)
  const city = app.registry().city!.code
  const since7 = now - VISIT_WEEK_MS
  const placesOf = (r: RawLatest) => [city, r.district, r.street, r.community, r.grid]
  const expected = new Map<string, { visited: number; due: RawLatest[] }>()
  for (const r of latest) {
    for (const code of placesOf(r)) {
      let e = expected.get(code)
      if (!e) expected.set(code, (e = { visited: 0, due: [] }))
      if (Number(r.at_ms) >= since7) e.visited++
      else e.due.push(r) // already most overdue first
    }
  }
  const keys = await (
    await app.store.reader.query({ query: `SELECT code, key_households FROM places FINAL WHERE level != 'micro_grid'`, format: 'JSONEachRow' })
  ).json<{ code: string; key_households: number | string }>()
  expect(cov.size).toBe(keys.length)
  for (const { code, key_households } of keys) {
    const c = cov.get(code)
    expect(c, code).toBeDefined()
    expect(c!.keyHouseholds, code).toBe(Number(key_households))
    const e = expected.get(code) ?? { visited: 0, due: [] }
    expect([c!.visited7d, c!.dueCount], code).toEqual([e.visited, e.due.length])
    const want = e.due.slice(0, VISIT_DUE_LIST).map((r) => ({ household: r.household, microGrid: r.micro_grid, lastAt: new Date(Number(r.at_ms)).toISOString(), days: Math.floor((now - Number(r.at_ms)) / DAY), groups: r.groups }))
    const got = c!.due.map(({ household, microGrid, lastAt, days, groups }) => ({ household, microGrid, lastAt, days, groups }))
    if (app.registry().byCode.get(code)!.level === 'grid') expect(got, code).toEqual(want.slice(0, got.length))
    else expect(got, code).toEqual(want)
  }
}

beforeAll(async () => {
  app = await startTestApp()
  const registry = app.registry()
  const community = registry.places.find((p) => p.level === 'community' && p.code.startsWith('qingbaijiang.dawan.') && registry.children(p.code).length >= 2)!
  communityA = community.code
  const [g1, g2] = registry.children(communityA)
  mgA1 = registry.children(g1!.code)[0]!.code
  mgA2 = registry.children(g2!.code)[0]!.code
  mgB = registry.places.find((p) => p.level === 'micro_grid' && p.code.startsWith('wenjiang.'))!.code
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('visit coverage from the store', () => {
  it('counts visited and due households per place, each once at its latest visit, as the raw rows say', async () => {
    const dup = visit('H-dup', mgA2, 2 * DAY)
    await post([
      visit('H-recent', mgA1, HOUR),
      dup,
      visit('H-old', mgA1, 12 * DAY, ['returnee']),
      visit('H-old', mgB, 10.5 * DAY, ['elderly']),
      visit('H-moved', mgA1, 9 * DAY),
      visit('H-moved', mgB, 2 * DAY),
      visit('H-gone', mgA1, 61 * DAY),
      visit('H-late', mgA1, 9.5 * DAY),
      ...Array.from({ length: 11 }, (_, i) => visit(`H-due-${String(i).padStart(2, '0')}`, i % 2 ? mgA1 : mgA2, (11 + i) * DAY + HOUR)),
    ])
    // The same event again: answered as a duplicate, and counted once.
    expect((await app.post('visits', [dup])).body).toEqual({ accepted: 0, duplicates: 1, rejected: [] })
    await app.settle()

    const now = app.now()
    const cov = await coverage(now)
    await expectMatchesRawRows(cov, now)

    const registry = app.registry()
    const city = cov.get(registry.city!.code)!
    // Visited: H-recent, H-dup, H-moved. Due: H-old, H-late, the eleven H-due. H-gone: neither.
    expect([city.visited7d, city.dueCount]).toEqual([3, 13])
    const a = cov.get(communityA)!
    expect([a.visited7d, a.dueCount]).toEqual([2, 12])
    const b = cov.get(registry.microGridPath(mgB)!.community)!
    expect([b.visited7d, b.dueCount]).toEqual([1, 1])
    expect(city.due.some((d) => ['H-moved', 'H-gone', 'H-recent', 'H-dup'].includes(d.household))).toBe(false)
  })

  it('lists the longest-unvisited households first, at most VISIT_DUE_LIST, with whole days since the last visit', async () => {
    const now = app.now()
    const cov = await coverage(now)
    const registry = app.registry()
    const a = cov.get(communityA)!
    expect(a.due.map((d) => d.household)).toEqual(['H-due-10', 'H-due-09', 'H-due-08', 'H-due-07', 'H-due-06', 'H-due-05', 'H-due-04', 'H-due-03', 'H-due-02', 'H-due-01'])
    expect(a.due.map((d) => d.days)).toEqual([21, 20, 19, 18, 17, 16, 15, 14, 13, 12])
    expect(a.due[0]!.place).toBe(registry.displayPath(a.due[0]!.microGrid, 'zh'))
    expect(a.due[0]!.placeEn).toBe(registry.displayPath(a.due[0]!.microGrid, 'en'))
    // The city's ten are the same: nothing elsewhere is older.
    expect(cov.get(registry.city!.code)!.due.map((d) => d.household)).toEqual(a.due.map((d) => d.household))
    // The general grids' counts add up to the community's.
    expect(registry.children(communityA).reduce((s, g) => s + cov.get(g.code)!.dueCount, 0)).toBe(a.dueCount)
  })

  it('lists a due household that moved at the place of its last visit, with the groups of all its visits', async () => {
    const now = app.now()
    const cov = await coverage(now)
    const b = cov.get(app.registry().microGridPath(mgB)!.community)!
    expect(b.due.map(({ household, microGrid, days, groups }) => ({ household, microGrid, days, groups }))).toEqual([{ household: 'H-old', microGrid: mgB, days: 10, groups: ['elderly', 'returnee'] }])
  })

  it('counts a household as visited once a late visit arrives, and keeps it so when an older one follows', async () => {
    await post([visit('H-late', mgA1, 3 * DAY, ['elderly', 'sick'])])
    await app.settle()
    let now = app.now()
    let cov = await coverage(now)
    await expectMatchesRawRows(cov, now)
    const a = () => cov.get(communityA)!
    expect([a().visited7d, a().dueCount]).toEqual([3, 11])

    await post([visit('H-late', mgA1, 20 * DAY)])
    await app.settle()
    now = app.now()
    cov = await coverage(now)
    await expectMatchesRawRows(cov, now)
    expect([a().visited7d, a().dueCount]).toEqual([3, 11])
    expect(cov.get(app.registry().city!.code)!.due.some((d) => d.household === 'H-late')).toBe(false)
  })
})
