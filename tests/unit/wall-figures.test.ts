/**
 * The wall's figures beyond today's counts: yesterday at the same time (open and overdue
 * included), stage response against the SLA, the last 24 hours per community and category,
 * open emergencies, spike detection, the fair ranking, and the 7-day heatmap and hexes summed
 * up the tree. Fixture: the demo registry; "now" is 2026-11-24 15:00 Asia/Shanghai; default SLAs.
 */
import { describe, expect, it } from 'vitest'
import { Registry } from '../../ingest/registry/registry.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { loadConfig } from '../../server/config.ts'
import { slaTable } from '../../server/sla.ts'
import { liveFigures, type LiveReport } from '../../server/live/reports.ts'
import { localDayStart } from '../../server/live/localTime.ts'
import { isSpike, poissonUpperTail, SPIKE_MIN_COUNT } from '../../server/live/alerts.ts'
import { buildSnapshots, HEX_RES, rankChildren } from '../../server/live/snapshots.ts'
import { emptyWindows } from '../../server/live/windows.ts'
import { RANKING_MIN_VOLUME, type RankingRow } from '../../server/contracts/live.ts'

const registry = new Registry(demoRegistry(loadConfig({}, {}).demoSeed))
const dawan = registry.places.filter((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))
const mgA = dawan[0]!.code
const communityA = registry.microGridPath(mgA)!.community
const mgOther = dawan.find((p) => registry.microGridPath(p.code)!.community !== communityA)!.code
const tz = 'Asia/Shanghai'
const now = Date.parse('2026-11-24T15:00:00+08:00')
const dayStart = localDayStart(now, tz)
const ydayStart = localDayStart(dayStart - 1, tz)
const ydayNow = ydayStart + (now - dayStart)
const window = { now, dayStart, ydayStart, ydayNow, tz, sla: slaTable() }
const MIN = 60_000
const HOUR = 60 * MIN
let n = 0

function report(over: Partial<LiveReport>): LiveReport {
  const at = over.reportedAt ?? now - 30 * MIN
  return { id: `w${++n}`, microGrid: mgA, category: 'clutter', channel: 'app', reporterRole: 'grid_worker', firstAt: at, lastAt: at, reportedAt: at, verifiedAt: null, dispatchedAt: null, resolvedAt: null, closedAt: null, reopenedAt: null, rejectedAt: null, ...over }
}
const figures = (reports: LiveReport[]) => liveFigures(reports, registry, window)

describe('yesterday at the same time of day', () => {
  it('counts what was open and overdue at that instant, not what is open now', () => {
    const f = figures([
      // Reported yesterday morning, closed yesterday evening (after the same time): open then, not now.
      report({ reportedAt: ydayStart + 9 * HOUR, verifiedAt: ydayStart + 9.5 * HOUR, closedAt: ydayNow + 2 * HOUR }),
      // Reported two days ago, unverified past its 4-hour SLA: overdue then, and now.
      report({ reportedAt: ydayStart - 10 * HOUR }),
      // Reported yesterday after the same time: not open then.
      report({ reportedAt: ydayNow + HOUR }),
      // Closed before the same time yesterday: not open then.
      report({ reportedAt: ydayStart + HOUR, verifiedAt: ydayStart + 2 * HOUR, closedAt: ydayStart + 3 * HOUR }),
    ])
    const row = f.microGrids[0]!
    expect(row.yday).toMatchObject({ reported: 2, verified: 2, closed: 1, open: 2, overdue: 1 })
    expect(row).toMatchObject({ open: 2, overdue: 2 })
  })
})

describe('stage response against the SLA', () => {
  it('counts completions within each report’s own category SLA and gives the median SLA', () => {
    const f = figures([
      // illegal_parking: verify within 60 min; clutter: within 240 min.
      report({ category: 'illegal_parking', reportedAt: now - 5 * HOUR, verifiedAt: now - 5 * HOUR + 30 * MIN }),
      report({ category: 'illegal_parking', reportedAt: now - 5 * HOUR, verifiedAt: now - 5 * HOUR + 90 * MIN }),
      report({ category: 'clutter', reportedAt: now - 5 * HOUR, verifiedAt: now - 5 * HOUR + 200 * MIN, dispatchedAt: now - HOUR }),
    ])
    const city = f.response.find((r) => r.district === '' && r.street === '' && r.community === '')!
    expect(city.verify_n).toBe(3)
    expect(city.verify_on_time).toBe(2)
    expect(city.verify_sla).toBe(60)
    // Dispatch has no SLA: neither figure is given.
    expect(city.dispatch_n).toBe(1)
    expect(city.dispatch_on_time).toBeUndefined()
  })
})

describe('alerts from memory', () => {
  it('lists open emergencies of the last two hours, newest first, and counts the last 24 hours per community and category', () => {
    const f = figures([
      report({ category: 'emergency', reportedAt: now - 10 * MIN }),
      report({ category: 'emergency', reportedAt: now - 50 * MIN }),
      report({ category: 'emergency', reportedAt: now - 3 * HOUR }), // too old for an alert
      report({ category: 'emergency', reportedAt: now - 5 * MIN, closedAt: now - MIN }), // closed
      report({ category: 'flying_wire_charging', reportedAt: now - 23 * HOUR }),
      report({ category: 'flying_wire_charging', reportedAt: now - 2 * HOUR }),
      report({ category: 'flying_wire_charging', reportedAt: now - 25 * HOUR }), // outside 24 h
      report({ category: 'flying_wire_charging', microGrid: mgOther, reportedAt: now - HOUR }),
    ])
    expect(f.emergencies.map((r) => r.reportedAt)).toEqual([now - 10 * MIN, now - 50 * MIN])
    expect(f.recent.get(`${communityA}|flying_wire_charging`)).toEqual({ community: communityA, category: 'flying_wire_charging', count: 2, first: now - 23 * HOUR })
  })

  it('calls a spike only when the count is high, several times the usual, and unlikely by chance', () => {
    expect(poissonUpperTail(0, 3)).toBe(1)
    expect(poissonUpperTail(1, 2)).toBeCloseTo(1 - Math.exp(-2), 10)
    expect(isSpike(8, 1 / 7)).toBe(true) // usually once a week, eight today
    expect(isSpike(SPIKE_MIN_COUNT - 1, 0)).toBe(false) // too few to act on, however rare
    expect(isSpike(9, 4)).toBe(false) // a busy category on a busy day: not unlikely enough
    expect(isSpike(30, 4)).toBe(true)
    expect(isSpike(6, 2.5)).toBe(false) // under three times the usual
  })
})

describe('the fair ranking', () => {
  const row = (code: string, resolved7d: number, onTime7d: number, overduePer100 = 0, per100 = 1): Omit<RankingRow, 'rank'> => ({ code, name: code, nameEn: code, households: 100, reported7d: per100, per100, resolved7d, onTime7d, overdue: 0, overduePer100 })

  it('ranks by on-time rate, ties by fewer overdue per 100 households, and leaves small volumes unranked', () => {
    const ranked = rankChildren([
      row('quick-fix', 1, 1, 0, 9), // one quick fix: 100% but below the minimum volume
      row('good', 20, 19),
      row('tie-worse', 10, 9, 0.5),
      row('tie-better', 10, 9, 0.1),
      row('same-as-better', 20, 18, 0.1),
      row('quiet', 0, 0, 0, 0.5),
    ])
    expect(ranked.map((r) => [r.code, r.rank])).toEqual([
      ['good', 1],
      ['same-as-better', 2], // 90%, 0.1 — equal record to tie-better: same rank
      ['tie-better', 2],
      ['tie-worse', 4],
      ['quick-fix', undefined],
      ['quiet', undefined],
    ])
    expect(RANKING_MIN_VOLUME).toBeGreaterThan(1)
  })
})

describe('window figures summed up the tree', () => {
  it('gives each child its 7-day heatmap and ranking, and each scope its hexes at its resolution with known rings only', () => {
    const street = registry.byCode.get(registry.microGridPath(mgA)!.street)!
    const windows = emptyWindows()
    windows.at = now
    const hours = new Array<number>(24).fill(0)
    hours[9] = 6
    windows.week.set(mgA, { reported: 6, resolved: 5, onTime: 4, hours })
    windows.week.set(mgOther, { reported: 2, resolved: 0, onTime: 0, hours: new Array<number>(24).fill(0).map((_, h) => (h === 20 ? 2 : 0)) })
    windows.hexes.push({ microGrid: mgA, cells: { 7: 'c7', 8: 'c8', 9: 'c9a', 10: 'c10a' }, n24: 1, n7: 4 })
    windows.hexes.push({ microGrid: mgA, cells: { 7: 'c7', 8: 'c8', 9: 'c9b', 10: 'c10b' }, n24: 0, n7: 2 })
    windows.hexes.push({ microGrid: mgOther, cells: { 7: 'c7', 8: 'c8', 9: 'c9a', 10: 'c10c' }, n24: 2, n7: 2 })
    const rings = new Map([['c7', [104, 30]], ['c9a', [104, 30, 104.1, 30]], ['c10a', [1, 2]]])
    const snaps = buildSnapshots({ registry, microGrids: [], response: [], ticker: [], windows, ring: (c) => rings.get(c), asOf: now, day: '2026-11-24', tz })
    const s = snaps.get(`street:${street.code}`)!
    expect(s.heatmap7d[communityA]![9]).toBe(6)
    expect(s.hexRes).toBe(HEX_RES.street)
    // c9b has no ring yet: left out until its shape is read.
    expect(s.hexes).toEqual({ c9a: { n24: 3, n7: 6, ring: [104, 30, 104.1, 30] } })
    expect(snaps.get('city')!.hexes).toEqual({ c7: { n24: 3, n7: 8, ring: [104, 30] } })
    const a = s.ranking.find((r) => r.code === communityA)!
    expect(a).toMatchObject({ reported7d: 6, resolved7d: 5, onTime7d: 4, rank: 1 })
    expect(a.per100).toBe(Math.round((6 * 100 * 10) / registry.byCode.get(communityA)!.households) / 10)
  })
})
