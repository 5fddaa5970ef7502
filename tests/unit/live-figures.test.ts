/**
 * The live figures from the reports in memory (server/live/reports.ts): what counts for today,
 * yesterday, open and overdue, the rolling 24-hour heatmap in local hours, the response-time
 * percentiles per scope, and which reports the hub may forget.
 * Fixture: the demo registry; "now" is 2026-11-24 15:00 in Asia/Shanghai; default SLAs.
 */
import { describe, expect, it } from 'vitest'
import { Registry } from '../../ingest/registry/registry.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { loadConfig } from '../../server/config.ts'
import { slaTable } from '../../server/sla.ts'
import { isOpen, liveFigures, LiveReports, quantile, type LiveReport } from '../../server/live/reports.ts'
import { localDayStart } from '../../server/live/localTime.ts'

const registry = new Registry(demoRegistry(loadConfig({}, {}).demoSeed))
const [mgA, mgB] = registry.places.filter((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.')).map((p) => p.code)
const tz = 'Asia/Shanghai'
const now = Date.parse('2026-11-24T15:00:00+08:00')
const dayStart = localDayStart(now, tz)
const ydayStart = localDayStart(dayStart - 1, tz)
const window = { now, dayStart, ydayStart, ydayNow: ydayStart + (now - dayStart), tz, sla: slaTable() }
const MIN = 60_000
let n = 0

function report(over: Partial<LiveReport>): LiveReport {
  const at = over.reportedAt ?? now - 30 * MIN
  return { id: `r${++n}`, microGrid: mgA!, category: 'clutter', channel: 'app', reporterRole: 'grid_worker', firstAt: at, lastAt: at, reportedAt: at, verifiedAt: null, dispatchedAt: null, resolvedAt: null, closedAt: null, reopenedAt: null, rejectedAt: null, ...over }
}

const figures = (reports: LiveReport[]) => liveFigures(reports, registry, window)
const rowOf = (reports: LiveReport[], mg = mgA!) => figures(reports).microGrids.find((r) => r.micro_grid === mg)!

describe('live figures from the reports in memory', () => {
  it('counts each stage on the local day of its own timestamp, and yesterday up to the same time of day', () => {
    const row = rowOf([
      report({ reportedAt: now - 60 * MIN, verifiedAt: now - 50 * MIN, resolvedAt: now - 10 * MIN }),
      report({ reportedAt: ydayStart + 60 * MIN, verifiedAt: dayStart + 5 * MIN }),
      report({ reportedAt: ydayStart + 14 * 60 * MIN, resolvedAt: ydayStart + 14.5 * 60 * MIN }),
      // Yesterday, but later in the day than it is now: not "same time yesterday".
      report({ reportedAt: ydayStart + 20 * 60 * MIN }),
    ])
    expect(row).toMatchObject({ reported: 1, verified: 2, resolved: 1 })
    expect(row.yday).toMatchObject({ reported: 2, resolved: 1 })
  })

  it('knows open from closed, reopened and rejected, and overdue from the category SLA', () => {
    const reports = [
      report({ category: 'emergency', reportedAt: now - 11 * MIN }), // verify SLA 10 min: overdue
      report({ category: 'emergency', reportedAt: now - 5 * MIN }), // within SLA
      report({ closedAt: now - MIN }), // closed: not open
      report({ closedAt: now - 20 * MIN, reopenedAt: now - 10 * MIN }), // reopened: open again
      report({ rejectedAt: now - MIN }), // rejected: not open
      report({ category: 'clutter', reportedAt: now - 49 * 60 * MIN, verifiedAt: now - 48 * 60 * MIN }), // resolve SLA 2 days: overdue
    ]
    expect(reports.map(isOpen)).toEqual([true, true, false, true, false, true])
    expect(rowOf(reports)).toMatchObject({ open: 4, overdue: 2 })
  })

  it('dates a report whose reported event is late by its earliest event for the SLA', () => {
    const late = report({ category: 'emergency', reportedAt: null, firstAt: now - 30 * MIN, verifiedAt: null, resolvedAt: now - 30 * MIN })
    // Resolved but not closed: open; verify SLA doesn't apply (something happened), resolve SLA 60 min not passed.
    expect(rowOf([late])).toMatchObject({ reported: 0, open: 1, overdue: 0 })
  })

  it('puts the last 24 hours of reports in their local hour of day', () => {
    const row = rowOf([report({ reportedAt: Date.parse('2026-11-24T09:10:00+08:00') }), report({ reportedAt: Date.parse('2026-11-23T16:30:00+08:00') }), report({ reportedAt: Date.parse('2026-11-23T14:30:00+08:00') })])
    expect(row.hours[9]).toBe(1)
    expect(row.hours[16]).toBe(1)
    // 14:30 yesterday is more than 24 hours ago.
    expect(row.hours[14]).toBe(0)
  })

  it('gives p50/p90 response minutes per scope for stages completed today', () => {
    const reports = [10, 20, 30, 40, 50].map((m, i) => report({ microGrid: i < 3 ? mgA! : mgB!, reportedAt: now - 100 * MIN, verifiedAt: now - 100 * MIN + m * MIN }))
    const { response } = figures(reports)
    const city = response.find((r) => r.district === '' && r.street === '' && r.community === '')!
    expect(city.verify_n).toBe(5)
    expect(city.verify).toEqual([30, 46])
    const street = response.find((r) => r.street === 'qingbaijiang.dawan')!
    expect(street.verify_n).toBe(5)
    expect(quantile([10, 20, 30], 0.5)).toBe(20)
  })

  it('mixes today\'s reports by category and channel, counting those from mobile grid workers', () => {
    const row = rowOf([
      report({ category: 'flying_wire_charging', channel: 'wechat', reporterRole: 'mobile_worker' }),
      report({ category: 'flying_wire_charging', channel: 'app', reporterRole: 'mobile_worker' }),
      report({ category: 'sanitation', channel: 'app', reporterRole: 'resident' }),
      report({ category: 'sanitation', reportedAt: ydayStart + MIN }), // yesterday: not in today's mix
    ])
    expect(row.categories).toEqual({ flying_wire_charging: 2, sanitation: 1 })
    expect(row.channels).toEqual({ wechat: 1, app: 2 })
    expect(row.mobile).toBe(2)
  })

  it('lists overdue open reports most overdue first, with the SLA they are past', () => {
    const { overdue } = figures([
      report({ id: 'a', category: 'emergency', reportedAt: now - 15 * MIN }), // verify SLA 10 min: 5 min over
      report({ id: 'b', category: 'illegal_parking', reportedAt: now - 9 * 60 * MIN, verifiedAt: now - 8 * 60 * MIN }), // resolve 8 h: 60 min over
      report({ id: 'c', category: 'emergency', reportedAt: now - 5 * MIN }), // within SLA
      report({ id: 'd', category: 'emergency', reportedAt: now - 2 * 60 * MIN, closedAt: now - MIN }), // closed
    ])
    expect(overdue.map((o) => [o.report.id, o.stage, Math.round(o.overdueMs / MIN)])).toEqual([
      ['b', 'resolve', 60],
      ['a', 'verify', 5],
    ])
  })

  it('forgets closed reports quiet since before yesterday, keeps open ones whatever their age', () => {
    const live = new LiveReports()
    const old = report({ reportedAt: now - 30 * 86_400_000, lastAt: now - 30 * 86_400_000 })
    const closedOld = report({ reportedAt: now - 30 * 86_400_000, closedAt: now - 29 * 86_400_000, lastAt: now - 29 * 86_400_000 })
    const closedToday = report({ closedAt: now - MIN, lastAt: now - MIN })
    live.replace([old, closedOld, closedToday])
    live.evict(ydayStart)
    expect([...live.values()].map((r) => r.id).sort()).toEqual([old.id, closedToday.id].sort())
  })
})
