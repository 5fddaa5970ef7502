/**
 * The demo simulator (ingest/simulator): backfill and live stream, through a collecting sink.
 *
 * Fixtures:
 * - `SMALL`: 团结路社区 of the demo registry with its ancestors (a few dozen micro-grids), for
 *   field validity, lifecycles, visits and the live stream.
 * - `DAWAN`: all of 大弯街道 (836 micro-grids), for statistical properties of the report stream
 *   (daily rhythm, role and category mix), which need a few thousand reports.
 * - Ranges start on Monday 2024-03-04 00:00 Asia/Shanghai. Local hours are computed here with
 *   Intl, independently of the simulator's own calendar code.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Place } from '../../server/contracts/registry.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { createSimulator, DEFAULT_SLA, type EventKind, type ReportRow, type SimSink, type VisitRow } from '../../ingest/simulator/index.ts'
import { reportEventSchema, visitEventSchema } from '../../ingest/schema.ts'
import { redact } from '../../ingest/redact.ts'

const SEED = 20221107
const TZ = 'Asia/Shanghai'
const HOUR = 3_600_000
const DAY = 24 * HOUR
const REGISTRY = demoRegistry(SEED)

/** A subtree of the demo registry with its ancestors, so parents still exist. */
function subtree(code: string): Place[] {
  return REGISTRY.filter((p) => p.code === code || p.code.startsWith(`${code}.`) || code.startsWith(`${p.code}.`) || p.level === 'city')
}
const SMALL = subtree('qingbaijiang.dawan.tuanjielu')
const DAWAN = subtree('qingbaijiang.dawan')
const MONDAY = Date.parse('2024-03-04T00:00:00+08:00')

interface Collector extends SimSink {
  reports: ReportRow[]
  visits: VisitRow[]
  calls: Array<{ kind: EventKind; rows: number }>
}

function collector(): Collector {
  const c: Collector = {
    reports: [],
    visits: [],
    calls: [],
    async send(kind, rows) {
      c.calls.push({ kind, rows: rows.length })
      if (kind === 'reports') for (const r of rows) c.reports.push(r as ReportRow)
      else for (const r of rows) c.visits.push(r as VisitRow)
    },
  }
  return c
}

const hourFmt = new Intl.DateTimeFormat('en-GB', { timeZone: TZ, hour: 'numeric', minute: 'numeric', weekday: 'short', hourCycle: 'h23' })
/** Local weekday, hour and minute of an ISO instant in `tz`, by Intl (independent of the code under test). */
function local(iso: string, fmt = hourFmt): { weekday: string; hour: number; minute: number } {
  const parts = Object.fromEntries(fmt.formatToParts(new Date(iso)).map((p) => [p.type, p.value]))
  return { weekday: parts.weekday!, hour: Number(parts.hour), minute: Number(parts.minute) }
}

function byReport(rows: ReportRow[]): Map<string, ReportRow[]> {
  const m = new Map<string, ReportRow[]>()
  for (const r of rows) {
    const list = m.get(r.report_id)
    if (list) list.push(r)
    else m.set(r.report_id, [r])
  }
  return m
}

// One backfill of each fixture, shared by the read-only tests below.
const small = collector()
const smallSim = createSimulator({ places: SMALL, tz: TZ, seed: SEED, speed: 1, sink: small, batchSize: 500 })
const SMALL_TO = MONDAY + 28 * DAY + 13 * HOUR
const smallCounts = await smallSim.backfill(MONDAY, SMALL_TO)
const dawan = collector()
const DAWAN_TO = MONDAY + 28 * DAY
const dawanCounts = await createSimulator({ places: DAWAN, tz: TZ, seed: SEED, speed: 1, sink: dawan }).backfill(MONDAY, DAWAN_TO)
const dawanReported = dawan.reports.filter((r) => r.type === 'reported')

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('simulator backfill', () => {
  it('sends report and visit rows whose fields are valid per DESIGN §3', () => {
    const microGrids = new Set(SMALL.filter((p) => p.level === 'micro_grid').map((p) => p.code))
    const iso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/
    const reportKeys = new Set(['event_id', 'report_id', 'type', 'at', 'micro_grid', 'category', 'channel', 'reporter_role', 'lat', 'lon', 'severity', 'department', 'note'])
    const categories = ['safety_hazard', 'neighbour_dispute', 'public_facility', 'sanitation', 'clutter', 'illegal_parking', 'flying_wire_charging', 'illegal_ads', 'emergency', 'other']
    expect(small.reports.length).toBeGreaterThan(100)
    expect(small.visits.length).toBeGreaterThan(100)
    for (const r of small.reports) {
      for (const k of Object.keys(r)) expect(reportKeys.has(k), k).toBe(true)
      expect(r.event_id.length).toBeLessThanOrEqual(64)
      expect(r.report_id.length).toBeLessThanOrEqual(64)
      expect(['reported', 'verified', 'dispatched', 'resolved', 'closed', 'reopened', 'rejected']).toContain(r.type)
      expect(r.at).toMatch(iso)
      expect(microGrids.has(r.micro_grid)).toBe(true)
      expect(categories).toContain(r.category)
      if (r.type === 'reported') {
        expect(['app', 'wechat', 'phone', 'hotline', 'patrol']).toContain(r.channel)
        expect(['grid_worker', 'mobile_worker', 'resident', 'staff']).toContain(r.reporter_role)
        expect([1, 2, 3]).toContain(r.severity)
        expect(typeof r.lat === 'number' && typeof r.lon === 'number').toBe(true)
        expect(r.note!.length).toBeGreaterThan(0)
        expect(r.note!.length).toBeLessThanOrEqual(2000)
      }
    }
    for (const v of small.visits) {
      expect(v.event_id.length).toBeLessThanOrEqual(64)
      expect(v.at).toMatch(iso)
      expect(microGrids.has(v.micro_grid)).toBe(true)
      expect(['grid_worker', 'family_doctor', 'volunteer', 'staff']).toContain(v.worker_role)
      expect(v.household).toMatch(/^H-[0-9a-f]{14}$/)
      expect(v.groups.length).toBeGreaterThan(0)
      for (const g of v.groups) expect(['elderly', 'child', 'sick', 'disabled', 'pregnant', 'returnee']).toContain(g)
      expect(['patrol', 'home_medical', 'online_consult', 'health_pack', 'vaccination', 'checkup', 'measurement', 'info_collection']).toContain(v.kind)
      expect(v.duration_min).toBeGreaterThanOrEqual(5)
      expect(v.duration_min).toBeLessThanOrEqual(60)
      expect(typeof v.follow_up).toBe('boolean')
    }
  })

  it('sends rows the ingest wire schema accepts, with fake phone numbers the ingest redactor removes', () => {
    for (const r of small.reports) expect(reportEventSchema.safeParse(r).error?.issues ?? []).toEqual([])
    for (const v of small.visits) expect(visitEventSchema.safeParse(v).error?.issues ?? []).toEqual([])
    const withPhone = dawanReported.filter((r) => /138-?0000-?\d{4}/.test(r.note ?? ''))
    expect(withPhone.length).toBeGreaterThan(0)
    for (const r of withPhone) expect(redact(r.note!)).not.toMatch(/138-?0000/)
  })

  it('sends only events in [fromMs, toMs), counts what it sent, and never exceeds the batch size', () => {
    for (const r of [...small.reports, ...small.visits]) {
      const t = Date.parse(r.at)
      expect(t).toBeGreaterThanOrEqual(MONDAY)
      expect(t).toBeLessThan(SMALL_TO)
    }
    expect(smallCounts.reportEvents).toBe(small.reports.length)
    expect(smallCounts.reports).toBe(small.reports.filter((r) => r.type === 'reported').length)
    expect(smallCounts.visits).toBe(small.visits.length)
    for (const c of small.calls) expect(c.rows).toBeLessThanOrEqual(500)
    expect(new Set(small.reports.map((r) => r.event_id)).size).toBe(small.reports.length)
    expect(new Set(small.visits.map((v) => v.event_id)).size).toBe(small.visits.length)
  })

  it('makes about 0.089 reports per micro-grid per day, as 大弯街道 did in 2022', () => {
    const perDay = dawanCounts.reports / 28 / 836
    // March is slightly below the yearly mean; the bounds only rule out a wrong order of magnitude or unit.
    expect(perDay).toBeGreaterThan(0.06)
    expect(perDay).toBeLessThan(0.12)
  })

  it('keeps each report lifecycle in time order, starting with reported and following the allowed steps', () => {
    const lifecycle = /^reported( verified( rejected| dispatched( resolved( reopened( resolved( closed)?)?| closed)?)?)?)?$/
    let complete = 0
    for (const [id, events] of byReport(small.reports)) {
      expect(events.map((e) => e.type).join(' '), id).toMatch(lifecycle)
      for (let i = 1; i < events.length; i++) expect(Date.parse(events[i]!.at), id).toBeGreaterThan(Date.parse(events[i - 1]!.at))
      if (events.at(-1)!.type === 'closed' || events.at(-1)!.type === 'rejected') complete++
      const dispatched = events.find((e) => e.type === 'dispatched')
      if (dispatched) expect(dispatched.department).toBeTruthy()
    }
    expect(complete).toBeGreaterThan(0)
    // Reports created near the end of the range still have steps waiting for the live stream.
    expect(smallSim.stats().scheduled).toBeGreaterThan(0)
  })

  it('puts more reports at 11–13h than at 02–04h local time', () => {
    const hours = dawanReported.map((r) => local(r.at).hour)
    const lunch = hours.filter((h) => h >= 11 && h < 13).length
    const night = hours.filter((h) => h >= 2 && h < 4).length
    expect(lunch).toBeGreaterThan(5 * night)
  })

  it('concentrates mobile workers (couriers, riders) at meal times, reporting by WeChat or phone', () => {
    const meal = (iso: string): boolean => {
      const { hour, minute } = local(iso)
      const m = hour * 60 + minute
      return (m >= 660 && m < 780) || (m >= 1020 && m < 1170)
    }
    const mobile = dawanReported.filter((r) => r.reporter_role === 'mobile_worker')
    const grid = dawanReported.filter((r) => r.reporter_role === 'grid_worker')
    expect(mobile.length).toBeGreaterThan(0.1 * dawanReported.length)
    expect(grid.length).toBeGreaterThan(mobile.length)
    const mobileMeal = mobile.filter((r) => meal(r.at)).length / mobile.length
    const gridMeal = grid.filter((r) => meal(r.at)).length / grid.length
    expect(mobileMeal).toBeGreaterThan(0.5)
    expect(mobileMeal).toBeGreaterThan(gridMeal + 0.2)
    for (const r of mobile) expect(['wechat', 'phone']).toContain(r.channel)
  })

  it('draws a realistic category mix: common categories dominate, emergencies are rare and severity 3', () => {
    const count = (c: string): number => dawanReported.filter((r) => r.category === c).length
    const n = dawanReported.length
    for (const c of ['sanitation', 'clutter', 'illegal_parking', 'flying_wire_charging', 'public_facility', 'safety_hazard']) {
      expect(count(c) / n, c).toBeGreaterThan(0.05)
    }
    expect(count('emergency') / n).toBeLessThan(0.02)
    for (const r of dawanReported.filter((x) => x.category === 'emergency')) expect(r.severity).toBe(3)
  })

  it('rejects about 4% after verification and reopens about 3% after resolution', () => {
    const reports = [...byReport(dawan.reports).values()]
    const rejected = reports.filter((e) => e.some((x) => x.type === 'rejected'))
    const reopened = reports.filter((e) => e.some((x) => x.type === 'reopened'))
    expect(rejected.length / reports.length).toBeGreaterThan(0.02)
    expect(rejected.length / reports.length).toBeLessThan(0.07)
    expect(reopened.length / reports.length).toBeGreaterThan(0.012)
    expect(reopened.length / reports.length).toBeLessThan(0.05)
    for (const e of rejected) expect(e.at(-1)!.type).toBe('rejected')
  })

  it('verifies most reports within the default SLA and a small share late', () => {
    let late = 0
    let verified = 0
    for (const events of byReport(dawan.reports).values()) {
      const v = events.find((e) => e.type === 'verified')
      if (!v) continue
      verified++
      const minutes = (Date.parse(v.at) - Date.parse(events[0]!.at)) / 60_000
      if (minutes > DEFAULT_SLA[events[0]!.category].verifyMin) late++
    }
    expect(late / verified).toBeGreaterThan(0.005)
    expect(late / verified).toBeLessThan(0.15)
  })

  it('visits most but not all key households each week, once, on weekdays between 08:30 and 18:00 local', () => {
    const key = SMALL.filter((p) => p.level === 'micro_grid').reduce((s, p) => s + p.keyHouseholds, 0)
    for (let w = 0; w < 4; w++) {
      const inWeek = small.visits.filter((v) => {
        const t = Date.parse(v.at)
        return t >= MONDAY + w * 7 * DAY && t < MONDAY + (w + 1) * 7 * DAY
      })
      const households = new Set(inWeek.map((v) => v.household))
      expect(households.size, `week ${w}`).toBe(inWeek.length)
      expect(households.size / key, `week ${w}`).toBeGreaterThan(0.85)
      expect(households.size / key, `week ${w}`).toBeLessThan(1)
    }
    for (const v of small.visits) {
      const { weekday, hour, minute } = local(v.at)
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(weekday)
      expect(hour * 60 + minute).toBeGreaterThanOrEqual(510)
      expect(hour * 60 + minute).toBeLessThan(1080)
    }
    // A team of 3–4 per micro-grid with one family doctor, who does the medical kinds.
    for (const v of small.visits) if (v.kind === 'home_medical' || v.kind === 'checkup') expect(v.worker_role).toBe('family_doctor')
    const workersPerMicroGrid = new Map<string, Set<string>>()
    for (const v of small.visits) (workersPerMicroGrid.get(v.micro_grid) ?? workersPerMicroGrid.set(v.micro_grid, new Set()).get(v.micro_grid)!).add(v.worker_id)
    for (const [mg, workers] of workersPerMicroGrid) expect(workers.size, mg).toBeLessThanOrEqual(4)
  })

  it('follows the local calendar across a daylight-saving change (Europe/Berlin)', async () => {
    const tz = 'Europe/Berlin'
    const sink = collector()
    // The week of 2024-03-31, when Berlin moves from +01:00 to +02:00, and the week after.
    const from = Date.parse('2024-03-25T00:00:00+01:00')
    await createSimulator({ places: SMALL, tz, seed: SEED, speed: 1, sink }).backfill(from, from + 14 * DAY)
    const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: 'numeric', minute: 'numeric', weekday: 'short', hourCycle: 'h23' })
    for (const v of sink.visits) {
      const { weekday, hour, minute } = local(v.at, fmt)
      expect(['Mon', 'Tue', 'Wed', 'Thu', 'Fri']).toContain(weekday)
      expect(hour * 60 + minute).toBeGreaterThanOrEqual(510)
      expect(hour * 60 + minute).toBeLessThan(1080)
    }
    expect(sink.visits.length).toBeGreaterThan(0)
  })

  it('replays the same event ids for the same seed and range, and agrees with itself when the range is split', async () => {
    const again = collector()
    await createSimulator({ places: SMALL, tz: TZ, seed: SEED, speed: 1, sink: again, batchSize: 500 }).backfill(MONDAY, SMALL_TO)
    expect(again.reports).toEqual(small.reports)
    expect(again.visits).toEqual(small.visits)

    const split = collector()
    const sim = createSimulator({ places: SMALL, tz: TZ, seed: SEED, speed: 1, sink: split })
    const cut = MONDAY + 10 * DAY + 7 * HOUR
    await sim.backfill(MONDAY, cut)
    await sim.backfill(cut, SMALL_TO)
    const ids = (rows: Array<{ event_id: string }>): string[] => rows.map((r) => r.event_id).sort()
    expect(ids(split.reports.filter((r) => r.type === 'reported'))).toEqual(ids(small.reports.filter((r) => r.type === 'reported')))
    expect(ids(split.visits)).toEqual(ids(small.visits))

    const otherSeed = collector()
    await createSimulator({ places: SMALL, tz: TZ, seed: SEED + 1, speed: 1, sink: otherSeed }).backfill(MONDAY, MONDAY + 2 * DAY)
    const mine = new Set(small.reports.map((r) => r.event_id))
    expect(otherSeed.reports.some((r) => mine.has(r.event_id))).toBe(false)
  })
})

describe('simulator live stream', () => {
  it('sends the lifecycle steps left over by a backfill when they fall due, as a longer backfill would have', async () => {
    // 大弯街道, so a few dozen reports are still open at the cut.
    const t0 = MONDAY + 5 * DAY + 15 * HOUR
    const from = t0 - 3 * DAY
    let clock = t0
    const sentAt: Array<{ row: ReportRow; now: number }> = []
    const sink = collector()
    const sim = createSimulator({
      places: DAWAN,
      tz: TZ,
      seed: SEED,
      speed: 1,
      now: () => clock,
      sink: {
        async send(kind, rows) {
          if (kind === 'reports') for (const r of rows) sentAt.push({ row: r as ReportRow, now: clock })
          return sink.send(kind, rows)
        },
      },
    })
    await sim.backfill(from, t0)
    const backfilled = new Set(sink.reports.map((r) => r.report_id))
    const scheduled = sim.stats().scheduled
    expect(scheduled).toBeGreaterThan(0)
    sentAt.length = 0
    const end = t0 + 3 * DAY
    while (clock < end) {
      clock += 10 * 60_000
      await sim.tick()
    }
    // Nothing is sent before it is due.
    for (const { row, now } of sentAt) expect(Date.parse(row.at)).toBeLessThan(now)
    // The steps of backfilled reports sent live are exactly those a backfill up to `end` sends.
    const longer = collector()
    await createSimulator({ places: DAWAN, tz: TZ, seed: SEED, speed: 1, sink: longer }).backfill(from, end)
    const expected = longer.reports.filter((r) => backfilled.has(r.report_id) && Date.parse(r.at) >= t0)
    const got = sentAt.map((s) => s.row).filter((r) => backfilled.has(r.report_id))
    expect(got.length).toBeGreaterThan(0)
    expect(got.map((r) => r.event_id).sort()).toEqual(expected.map((r) => r.event_id).sort())
    expect(got.map((r) => r.at).sort()).toEqual(expected.map((r) => r.at).sort())
    // New live reports arrived too, with ids apart from the backfill's.
    const live = sentAt.filter((s) => s.row.type === 'reported').map((s) => s.row)
    expect(live.length).toBeGreaterThan(0)
    for (const r of live) expect(r.report_id).toMatch(/^R\d{8}-[0-9a-z]{4}-L/)
  })

  it('sends the weekly visits the backfill would have sent for the same hours', async () => {
    const t0 = MONDAY + 7 * DAY
    let clock = t0
    const sink = collector()
    const sim = createSimulator({ places: SMALL, tz: TZ, seed: SEED, speed: 1, now: () => clock, sink })
    sim.resume([]) // nothing open: a restart with an empty store
    await sim.tick() // the first tick only starts the clock
    while (clock < t0 + 2 * DAY) {
      clock += 15 * 60_000
      await sim.tick()
    }
    const inRange = small.visits.filter((v) => Date.parse(v.at) >= t0 && Date.parse(v.at) < clock)
    expect(inRange.length).toBeGreaterThan(0)
    expect(sink.visits.map((v) => v.event_id).sort()).toEqual(inRange.map((v) => v.event_id).sort())
  })

  it('starts a timer that sends new reports and visits, at rates that scale with speed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const run = async (speed: number): Promise<{ reports: number; visits: number }> => {
      let clock = MONDAY + 9 * HOUR
      const sink = collector()
      const sim = createSimulator({ places: DAWAN, tz: TZ, seed: SEED, speed, now: () => clock, sink })
      sim.start()
      for (let i = 0; i < 600; i++) {
        clock += 60_000 // each 1 s tick of the fake timer covers a simulated minute
        await vi.advanceTimersByTimeAsync(1000)
      }
      await sim.stop()
      return { reports: sink.reports.filter((r) => r.type === 'reported').length, visits: sink.visits.length }
    }
    const slow = await run(1)
    const fast = await run(10)
    const slower = await run(0.25)
    // 836 micro-grids × 0.089/day over ten daytime hours ≈ 40 reports at speed 1.
    expect(slow.reports).toBeGreaterThan(10)
    expect(fast.reports / slow.reports).toBeGreaterThan(5)
    expect(fast.reports / slow.reports).toBeLessThan(20)
    // About a fifth of the week's ~7,600 key-household visits fall on this Monday.
    expect(slow.visits).toBeGreaterThan(500)
    expect(fast.visits / slow.visits).toBeGreaterThan(7)
    expect(fast.visits / slow.visits).toBeLessThan(13)
    expect(slower.visits / slow.visits).toBeGreaterThan(0.15)
    expect(slower.visits / slow.visits).toBeLessThan(0.35)
  })

  it('does not lose events when the sink fails: they are sent on a later tick', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => {})
    const run = async (failFirst: number): Promise<Collector> => {
      let clock = MONDAY + 8 * HOUR
      let calls = 0
      const sink = collector()
      const sim = createSimulator({
        places: SMALL,
        tz: TZ,
        seed: SEED,
        speed: 50,
        now: () => clock,
        sink: {
          async send(kind, rows) {
            if (++calls <= failFirst) throw new Error('ingest unavailable')
            return sink.send(kind, rows)
          },
        },
      })
      for (let i = 0; i < 60; i++) {
        clock += 60_000
        await sim.tick()
      }
      expect(sim.stats().pendingReports + sim.stats().pendingVisits).toBe(0)
      return sink
    }
    const healthy = await run(0)
    expect(errors).not.toHaveBeenCalled()
    const flaky = await run(6)
    expect(errors).toHaveBeenCalled()
    expect(String(errors.mock.calls[0]![0])).toMatch(/\[simulator\] sending .* failed .*ingest unavailable.* kept for the next tick/)
    expect(healthy.reports.length + healthy.visits.length).toBeGreaterThan(0)
    expect(flaky.reports.map((r) => r.event_id).sort()).toEqual(healthy.reports.map((r) => r.event_id).sort())
    expect(flaky.visits.map((v) => v.event_id).sort()).toEqual(healthy.visits.map((v) => v.event_id).sort())
  })

  it('never overlaps sends: a tick during a send is skipped and its events go with the next one', async () => {
    let clock = MONDAY + 10 * HOUR
    let inFlight = 0
    let maxInFlight = 0
    let release: (() => void) | undefined
    const sink = collector()
    const sim = createSimulator({
      places: SMALL,
      tz: TZ,
      seed: SEED,
      speed: 200,
      now: () => clock,
      sink: {
        async send(kind, rows) {
          inFlight++
          maxInFlight = Math.max(maxInFlight, inFlight)
          if (!release) await new Promise<void>((r) => (release = r))
          inFlight--
          return sink.send(kind, rows)
        },
      },
    })
    await sim.tick()
    clock += 30 * 60_000
    const first = sim.tick() // blocks in the sink
    await Promise.resolve()
    clock += 30 * 60_000
    await sim.tick() // skipped: the first is still in flight
    expect(maxInFlight).toBe(1)
    expect(sink.reports.length).toBe(0)
    release!()
    await first
    const afterFirst = sink.reports.length + sink.visits.length
    expect(afterFirst).toBeGreaterThan(0)
    await sim.tick() // catches up the skipped half hour
    expect(sink.reports.length + sink.visits.length).toBeGreaterThan(afterFirst)
    expect(maxInFlight).toBe(1)
    await sim.stop()
  })

  it('stop waits for the send in flight', async () => {
    let clock = MONDAY + 10 * HOUR
    let started = 0
    let completed = 0
    const waiting: Array<() => void> = []
    const sim = createSimulator({
      places: SMALL,
      tz: TZ,
      seed: SEED,
      speed: 500,
      now: () => clock,
      sink: {
        send() {
          started++
          return new Promise<void>((r) => waiting.push(() => (completed++, r())))
        },
      },
    })
    await sim.tick()
    clock += HOUR
    void sim.tick()
    expect(started).toBe(1)
    let stopped = false
    const stopping = sim.stop().then(() => (stopped = true))
    await new Promise((r) => setImmediate(r))
    expect(stopped).toBe(false)
    while (!stopped) {
      waiting.shift()?.()
      await new Promise((r) => setImmediate(r))
    }
    await stopping
    expect(completed).toBe(started)
  })

  it('resumes open reports after a restart from their last step, with fresh delays from now, once', async () => {
    const now = MONDAY + 20 * DAY + 9 * HOUR
    let clock = now
    const sink = collector()
    const sim = createSimulator({ places: SMALL, tz: TZ, seed: SEED, speed: 0.01, now: () => clock, sink })
    const mg = SMALL.find((p) => p.level === 'micro_grid')!.code
    const open = [
      { reportId: 'R20240320-test-00001', microGrid: mg, category: 'sanitation', reportedAt: now - DAY, verifiedAt: now - DAY + HOUR, dispatchedAt: null, resolvedAt: null },
      { reportId: 'R20240320-test-00002', microGrid: mg, category: 'emergency', reportedAt: now - 5 * 60_000, verifiedAt: null, dispatchedAt: null, resolvedAt: null },
      { reportId: 'R20240320-test-00003', microGrid: 'nowhere.m01', category: 'other', reportedAt: now - DAY, verifiedAt: null, dispatchedAt: null, resolvedAt: null },
    ]
    sim.resume(open)
    sim.resume(open) // a second call must not schedule the same steps twice
    await sim.tick()
    while (clock < now + 60 * DAY && sim.stats().scheduled > 0) {
      clock += HOUR
      await sim.tick()
    }
    const got = byReport(sink.reports.filter((r) => r.report_id.includes('-test-')))
    expect(got.get('R20240320-test-00001')!.map((r) => r.type)).toEqual(['dispatched', 'resolved', 'closed'])
    expect(got.get('R20240320-test-00002')!.map((r) => r.type)).toEqual(['verified', 'dispatched', 'resolved', 'closed'])
    expect(got.has('R20240320-test-00003')).toBe(false)
    for (const events of got.values()) for (const e of events) expect(Date.parse(e.at)).toBeGreaterThan(now)
    expect(got.get('R20240320-test-00001')!.map((r) => r.event_id)).toEqual(['R20240320-test-00001-dispatched', 'R20240320-test-00001-resolved', 'R20240320-test-00001-closed'])
  })
})
