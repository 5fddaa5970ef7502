/**
 * The spine end to end: events posted over HTTP land in the embedded ClickHouse and move the
 * live figures that real Socket.IO clients see; bad rows are refused by row and field.
 * Fixture: the demo registry, no events, the ingest key INGEST_KEY (tests/support/app.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localParts } from '../../server/live/localTime.ts'
import { chTime } from '../../sql/queries.ts'
import { DISPLAY_TOKEN, liveClient, startTestApp, subscribeOnce, type TestApp } from '../support/app.ts'

let app: TestApp
let dawanMicroGrid: string
let otherMicroGrid: string
let seq = 0

const iso = (ms: number) => new Date(ms).toISOString()
const nextId = (p: string) => `${p}-${process.pid}-${++seq}`

function reported(microGrid: string, over: Record<string, unknown> = {}) {
  const reportId = nextId('R')
  return { event_id: `${reportId}-reported`, report_id: reportId, type: 'reported', at: iso(app.now() - 1000), micro_grid: microGrid, category: 'flying_wire_charging', channel: 'wechat', reporter_role: 'mobile_worker', ...over }
}

/** A report made a minute ago in Dawan, written straight into the store (not through ingest). */
async function storeBehindIngest(prefix: string, source: string): Promise<void> {
  const id = nextId(prefix)
  await app.store.admin.insert({
    table: 'report_events',
    values: [{ event_id: id, report_id: id, type: 'reported', at: chTime(app.now() - 60_000), received_at: chTime(Date.now()), ...app.registry().microGridPath(dawanMicroGrid)!, category: 'clutter', channel: '', reporter_role: '', severity: 0, department: '', note: '', source }],
    format: 'JSONEachRow',
  })
}

beforeAll(async () => {
  app = await startTestApp({ LIVE_IDLE_RECOMPUTE_MS: '300' })
  const mgs = app.registry().places.filter((p) => p.level === 'micro_grid')
  dawanMicroGrid = mgs.find((p) => p.code.startsWith('qingbaijiang.dawan.'))!.code
  otherMicroGrid = mgs.find((p) => p.code.startsWith('wenjiang.'))!.code
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('ingest → store → live wall', () => {
  it('moves today.reported on a socket subscribed to the city and to the street, not on another street', async () => {
    await app.settle()
    const city = await liveClient(app.url, 'city')
    const dawan = await liveClient(app.url, 'street:qingbaijiang.dawan')
    const other = await liveClient(app.url, 'street:wenjiang.shouan')
    const before = { city: city.current().today.reported, dawan: dawan.current().today.reported, other: other.current().today.reported }

    const events = [reported(dawanMicroGrid), reported(dawanMicroGrid), reported(otherMicroGrid)]
    const res = await app.post('reports', events)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ accepted: 3, duplicates: 0, rejected: [] })

    await city.waitFor((s) => s.today.reported === before.city + 3)
    await dawan.waitFor((s) => s.today.reported === before.dawan + 2)
    await other.waitFor((s) => s.today.reported === before.other + 1)
    expect(dawan.current().children.find((c) => dawanMicroGrid.startsWith(`${c.code}.`))!.reported).toBeGreaterThanOrEqual(2)
    // The heatmap counts them in their local hour of day (Asia/Shanghai).
    const hour = localParts(Date.parse(events[0]!.at), 'Asia/Shanghai').h
    expect(city.current().heatmap.qingbaijiang![hour]).toBeGreaterThanOrEqual(2)
    // Patches arrive in order, without gaps.
    const seqs = city.patches.map((p) => p.seq)
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i))
    for (const c of [city, dawan, other]) c.socket.close()
  })

  it('pushes new reports to the ticker of their scopes', async () => {
    const client = await liveClient(app.url, 'street:qingbaijiang.dawan')
    const got = new Promise<{ reportId: string; scopes: string[] }>((resolve) => client.socket.on('live:report', (r) => resolve(r)))
    const ev = reported(dawanMicroGrid, { note: '3栋门口有人飞线充电，请联系13800001234' })
    await app.post('reports', ev)
    const item = await got
    expect(item.reportId).toBe(ev.report_id)
    expect(item.scopes).toContain('street:qingbaijiang.dawan')
    const snap = await client.waitFor((s) => s.ticker.some((t) => t.reportId === ev.report_id))
    const note = snap.ticker.find((t) => t.reportId === ev.report_id)!.note
    expect(note).not.toContain('13800001234')
    expect(note).toContain('[电话已隐藏]')
    client.socket.close()
  })

  it('keeps the valid rows of a mixed batch and names each bad row by index and field', async () => {
    const ndjson = [
      JSON.stringify(reported(dawanMicroGrid)),
      '{not json',
      JSON.stringify(reported('nowhere.m1')),
      JSON.stringify(reported(dawanMicroGrid, { category: 'pothole' })),
      JSON.stringify(reported(dawanMicroGrid, { at: iso(app.now() + 3_600_000) })),
      JSON.stringify({ ...reported(dawanMicroGrid), mood: 'grumpy' }),
      JSON.stringify(reported(dawanMicroGrid)),
    ].join('\n')
    const res = await app.post('reports', ndjson, { ndjson: true })
    expect(res.status).toBe(200)
    expect(res.body.accepted).toBe(2)
    const errors = Object.fromEntries(res.body.rejected.map((r) => [r.index, r.error]))
    expect(Object.keys(errors).map(Number)).toEqual([1, 2, 3, 4, 5])
    expect(errors[1]).toMatch(/^row 1: line 2 is not valid JSON/)
    expect(errors[2]).toBe('row 2: micro_grid: unknown micro-grid "nowhere.m1"')
    expect(errors[3]).toMatch(/^row 3: category: must be one of /)
    expect(errors[4]).toMatch(/^row 4: at: is more than 10 minutes in the future/)
    expect(errors[5]).toBe('row 5: unknown field "mood"')
  })

  it('answers 400 when no row is valid, 401 without a key, 403 for a display token', async () => {
    const bad = await app.post('reports', [{ event_id: 'x' }])
    expect(bad.status).toBe(400)
    expect(bad.body.rejected[0]!.error).toMatch(/^row 0: /)
    expect((await app.post('reports', reported(dawanMicroGrid), { key: null })).status).toBe(401)
    expect((await app.post('reports', reported(dawanMicroGrid), { key: 'forged-key' })).status).toBe(401)
    const display = await app.post('reports', reported(dawanMicroGrid), { key: DISPLAY_TOKEN })
    expect(display.status).toBe(403)
    expect(display.body.error).toMatch(/may not send events/)
  })

  it('counts a resend once, within a batch and across batches', async () => {
    await app.settle()
    const city = await liveClient(app.url, 'city')
    const before = city.current().today.reported
    const ev = reported(dawanMicroGrid)
    const first = await app.post('reports', [ev, ev])
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 1 })
    const again = await app.post('reports', ev)
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1 })
    await city.waitFor((s) => s.today.reported === before + 1)
    // Recompute from the store: still one.
    await app.settle()
    expect((await app.hub.snapshot('city')).today.reported).toBe(before + 1)
    city.socket.close()
  })

  it('answers two concurrent sends of one event with one accept and one duplicate', async () => {
    const ev = reported(dawanMicroGrid)
    const [a, b] = await Promise.all([app.post('reports', ev), app.post('reports', ev)])
    expect([a.body.accepted, b.body.accepted].sort()).toEqual([0, 1])
    expect(a.body.duplicates + b.body.duplicates).toBe(1)
  })

  it('refuses an event id reused with different content, and events from before any plausible past', async () => {
    const ev = reported(dawanMicroGrid)
    expect((await app.post('reports', ev)).body.accepted).toBe(1)
    const clash = await app.post('reports', [{ ...ev, category: 'sanitation' }, { ...reported(dawanMicroGrid), at: '0001-01-01T00:00:00Z' }])
    expect(clash.status).toBe(400)
    expect(clash.body.rejected).toEqual([
      { index: 0, field: 'event_id', reason: 'id_conflict', error: `row 0: event_id: "${ev.event_id}" was already received with different content` },
      { index: 1, field: 'at', reason: 'too_old', error: 'row 1: at: is more than 5 years in the past (0001-01-01T00:00:00Z)' },
    ])
  })

  it('takes response times from the lifecycle, whatever order its events arrive in', async () => {
    const community = dawanMicroGrid.split('.').slice(0, 3).join('.')
    const t0 = app.now() - 12 * 60_000
    const r = reported(dawanMicroGrid, { at: iso(t0), category: 'public_facility' })
    const id = r.report_id
    // Resolved arrives first, then verified, then reported.
    await app.post('reports', { event_id: `${id}-resolved`, report_id: id, type: 'resolved', at: iso(t0 + 11 * 60_000), micro_grid: dawanMicroGrid })
    await app.post('reports', { event_id: `${id}-verified`, report_id: id, type: 'verified', at: iso(t0 + 10 * 60_000), micro_grid: dawanMicroGrid })
    await app.post('reports', r)
    await app.settle()
    // The only report in this community that finished a stage today.
    const snap = await app.hub.snapshot(`community:${community}`)
    // public_facility: verify within 4 hours, resolve within 2 days — both in time.
    expect(snap.response.verify).toEqual({ p50: 10, p90: 10, n: 1, onTime: 1, slaMin: 240 })
    expect(snap.response.resolve).toEqual({ p50: 11, p90: 11, n: 1, onTime: 1, slaMin: 2880 })
    expect(snap.response.dispatch).toEqual({ n: 0 })
    const rs = await app.store.reader.query({
      query: 'SELECT dateDiff(\'minute\', min(reported_at), max(resolved_at)) AS m FROM report_state WHERE report_id = {id:String}',
      query_params: { id },
      format: 'JSONEachRow',
    })
    expect(await rs.json()).toEqual([{ m: 11 }])
  })

  it('moves yesterday\'s figure when a late event for yesterday arrives', async () => {
    await app.settle()
    const city = await liveClient(app.url, 'city')
    const before = city.current().yesterday.reported
    const todayBefore = city.current().today.reported
    // Yesterday, an hour before this time of day: counts in "same time yesterday".
    const late = reported(dawanMicroGrid, { at: iso(app.now() - 25 * 3_600_000) })
    expect((await app.post('reports', late)).body.accepted).toBe(1)
    await city.waitFor((s) => s.yesterday.reported === before + 1)
    expect(city.current().today.reported).toBe(todayBefore)
    city.socket.close()
  })

  it('picks up events another writer stored, by their stored_at, without being told', async () => {
    await app.settle()
    const city = await liveClient(app.url, 'city')
    const before = city.current().today.reported
    // Straight into the store: this app's ingest never sees it. (Another process sharing a store
    // is only possible with a server: tests/integration/replicas.test.ts covers that path.)
    await storeBehindIngest('W', 'elsewhere')
    await city.waitFor((s) => s.today.reported === before + 1)
    city.socket.close()
  })

  it('takes a bulk load (more changed reports than a tick carries) as a full load: old closed reports stay out, new ones come in', async () => {
    await app.settle()
    const city = await liveClient(app.url, 'city')
    const before = city.current().today.reported
    const loads = app.hub.stats.fullLoads
    const path = app.registry().microGridPath(dawanMicroGrid)!
    // 120,000 reports closed a month ago, straight into the store (a backfill), and one reported now.
    await app.store.admin.command({
      query: `INSERT INTO report_events (event_id, report_id, type, at, received_at, micro_grid, grid, community, street, district, category, channel, reporter_role, severity, department, note, source)
        SELECT concat('BULK-', toString(number)), concat('BULK-R', toString(intDiv(number, 2))), if(number % 2 = 0, 'reported', 'closed'),
          now64(3) - INTERVAL 30 DAY + toIntervalMinute(number % 2), now64(3), {mg:String}, {grid:String}, {community:String}, {street:String}, {district:String},
          if(number % 2 = 0, 'clutter', ''), '', '', 0, '', '', 'bulk'
        FROM numbers(240000)`,
      query_params: { mg: path.micro_grid, grid: path.grid, community: path.community, street: path.street, district: path.district },
    })
    await storeBehindIngest('B', 'bulk')
    await city.waitFor((s) => s.today.reported === before + 1)
    expect(app.hub.stats.fullLoads).toBeGreaterThan(loads)
    expect(app.hub.stats.reportsInMemory).toBeLessThan(100_000)
    // Read from the store already filtered (migration 010), not all read and then dropped.
    expect(app.hub.stats.lastFullLoadRows).toBeLessThan(100_000)
    city.socket.close()
  })

  it('lists an emergency past its SLA among the street\'s overdue reports, and counts it in today\'s mix', async () => {
    const street = await liveClient(app.url, 'street:qingbaijiang.dawan')
    const ev = reported(dawanMicroGrid, { category: 'emergency', at: iso(app.now() - 30 * 60_000) })
    await app.post('reports', ev)
    const snap = await street.waitFor((s) => s.overdueList.some((o) => o.reportId === ev.report_id))
    const item = snap.overdueList.find((o) => o.reportId === ev.report_id)!
    // Emergencies must be verified within 10 minutes: 30 minutes in, about 20 past it.
    expect(item).toMatchObject({ category: 'emergency', stage: 'verify', microGrid: dawanMicroGrid })
    expect(item.overdueMin).toBeGreaterThanOrEqual(19)
    expect(item.place).toContain('大弯街道')
    expect(snap.mix.categories.emergency).toBeGreaterThanOrEqual(1)
    expect(snap.mix.mobile).toBeGreaterThanOrEqual(1)
    street.socket.close()
  })

  it('serves the same snapshot over REST and refuses unknown scopes clearly', async () => {
    const auth = { authorization: `Bearer ${DISPLAY_TOKEN}` }
    const res = await fetch(`${app.url}/api/v1/live?scope=street:qingbaijiang.dawan`, { headers: auth })
    expect(res.status).toBe(200)
    const snap = (await res.json()) as { scope: string; name: string; today: { reported: number }; asOf: string; seq: number }
    expect(snap.scope).toBe('street:qingbaijiang.dawan')
    expect(snap.name).toBe('大弯街道')
    expect(typeof snap.today.reported).toBe('number')
    expect(typeof snap.seq).toBe('number')
    const bad = await fetch(`${app.url}/api/v1/live?scope=street:atlantis`, { headers: auth })
    expect(bad.status).toBe(400)
    expect(((await bad.json()) as { error: string }).error).toBe('unknown street "atlantis"')
    const ack = await subscribeOnce(app.url, 'planet:mars')
    expect(ack).toEqual({ ok: false, error: expect.stringMatching(/^scope must be city, district:<code>/) })
  })

  it('lists the registry with the real sizes of 大弯街道', async () => {
    const res = await fetch(`${app.url}/api/v1/registry`, { headers: { authorization: `Bearer ${DISPLAY_TOKEN}` } })
    const { places } = (await res.json()) as { places: Array<{ code: string; level: string; parent: string }> }
    const under = (code: string, level: string) => places.filter((p) => p.level === level && p.code.startsWith(`${code}.`)).length
    expect(under('qingbaijiang.dawan', 'community')).toBe(18)
    expect(under('qingbaijiang.dawan', 'grid')).toBe(137)
    expect(under('qingbaijiang.dawan', 'micro_grid')).toBe(836)
  })

  it('stores visits', async () => {
    const res = await app.post('visits', {
      event_id: nextId('V'),
      at: iso(app.now() - 5000),
      micro_grid: dawanMicroGrid,
      worker_id: 'W-1',
      worker_role: 'family_doctor',
      household: 'H-1',
      groups: ['elderly', 'sick'],
      kind: 'home_medical',
      duration_min: 25,
    })
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, rejected: [] })
    await app.ingest.drain()
    const rs = await app.store.reader.query({ query: "SELECT count() AS n FROM visit_events FINAL WHERE worker_id = 'W-1'", format: 'JSONEachRow' })
    expect(await rs.json()).toEqual([{ n: 1 }])
  })
})
