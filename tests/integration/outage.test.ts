/**
 * The store fails under ingest, for real: the embedded engine's `report_events` table is told
 * to refuse inserts past one part per partition, so every insert fails inside ClickHouse with
 * TOO_MANY_PARTS — the classic way a real ClickHouse stops taking writes — while reads go on. Ingest keeps acknowledging into its spool until the spool's bound, then answers 503
 * with Retry-After; when the table is attached again the spool replays in order and every
 * acknowledged event lands exactly once.
 * Fixture: the demo registry, a 1 MiB spool bound (INGEST_SPOOL_MAX_BYTES), retries at most
 * 300 ms apart (INGEST_RETRY_MAX_MS), /metrics open to loopback.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { scrapeMetrics } from '../support/metrics.ts'
import { eventually } from '../support/processes.ts'
import { chTime, sql } from '../../sql/queries.ts'

let app: TestApp
let microGrid: string
let seq = 0

function batch(n: number, note = '') {
  return Array.from({ length: n }, () => {
    const id = `O-${process.pid}-${++seq}`
    return { event_id: id, report_id: id, type: 'reported', at: new Date(app.now() - 60_000).toISOString(), micro_grid: microGrid, category: 'clutter', note }
  })
}

async function metric(name: string): Promise<number> {
  return (await scrapeMetrics(app.url)).get(`${name}{stream="reports"}`) ?? NaN
}

async function storedCounts(ids: string[]): Promise<Map<string, number>> {
  const rs = await app.store.reader.query({
    query: 'SELECT event_id, count() AS n FROM report_events WHERE event_id IN {ids:Array(String)} GROUP BY event_id',
    query_params: { ids },
    format: 'JSONEachRow',
  })
  return new Map((await rs.json<{ event_id: string; n: string | number }>()).map((r) => [r.event_id, Number(r.n)]))
}

beforeAll(async () => {
  app = await startTestApp({ INGEST_SPOOL_MAX_BYTES: String(1024 * 1024), INGEST_RETRY_MAX_MS: '300' })
  microGrid = app.registry().places.find((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))!.code
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('a store outage under ingest', () => {
  it('keeps acknowledging into the spool, answers 503 at its bound, and replays exactly once when the store returns', async () => {
    const before = batch(50)
    expect((await app.post('reports', before)).status).toBe(200)
    await app.ingest.drain()

    await app.store.admin.command({ query: 'ALTER TABLE report_events MODIFY SETTING parts_to_throw_insert = 1, parts_to_delay_insert = 1, max_delay_to_insert = 0' })
    const acked: string[] = before.map((e) => e.event_id)
    const refused: string[] = []
    let retryAfter: string | null = null
    // ~400 bytes a row: a 1 MiB spool fills within a few thousand rows.
    for (let i = 0; i < 40 && retryAfter === null; i++) {
      const events = batch(250, '楼道里堆满了纸箱和旧家具，影响通行，已多次提醒仍未清理。'.repeat(2))
      const res = await app.post('reports', events)
      if (res.status === 200) {
        expect(res.body.accepted).toBe(250)
        acked.push(...events.map((e) => e.event_id))
      } else {
        expect(res.status).toBe(503)
        expect(res.body.error).toMatch(/spool is full/)
        retryAfter = res.headers.get('retry-after')
        refused.push(...events.map((e) => e.event_id))
      }
    }
    expect(retryAfter).toMatch(/^\d+$/)
    expect(acked.length).toBeGreaterThan(1000)
    // Operators see the outage: events waiting, the store failing.
    expect(await metric('gridpulse_ingest_spool_rows')).toBe(acked.length - before.length)
    expect(await metric('gridpulse_ingest_store_failing_attempts')).toBeGreaterThan(0)
    expect(await metric('gridpulse_ingest_store_errors_total')).toBeGreaterThan(0)

    await app.store.admin.command({ query: 'ALTER TABLE report_events RESET SETTING parts_to_throw_insert, parts_to_delay_insert, max_delay_to_insert' })
    await app.ingest.drain()
    const counts = await storedCounts([...acked, ...refused])
    expect(acked.filter((id) => counts.get(id) !== 1)).toEqual([])
    expect(refused.filter((id) => counts.has(id))).toEqual([])
    expect(await metric('gridpulse_ingest_spool_rows')).toBe(0)
    expect(await metric('gridpulse_ingest_store_failing_attempts')).toBe(0)

    // And the batch that was refused goes in when sent again.
    const again = await app.post('reports', refused.map((id) => ({ event_id: id, report_id: id, type: 'reported', at: new Date(app.now() - 60_000).toISOString(), micro_grid: microGrid, category: 'clutter' })))
    expect(again.status).toBe(200)
    expect(again.body.accepted).toBe(refused.length)
  })

  it('sets aside a row the store refuses for its content and stores the rest of its batch', async () => {
    // A row that passes every check but the engine's own: the store's column is narrower than
    // the contract (a real schema drift, made here on purpose for the test).
    await app.store.admin.command({ query: 'ALTER TABLE report_events MODIFY COLUMN department LowCardinality(FixedString(8))' })
    try {
      const events = batch(20)
      const bad = { ...events[7]!, department: 'a department name far longer than eight bytes' }
      events[7] = bad
      expect((await app.post('reports', events)).body.accepted).toBe(20)
      await app.ingest.drain()
      const counts = await storedCounts(events.map((e) => e.event_id))
      expect(events.filter((e) => e !== bad && counts.get(e.event_id) !== 1).map((e) => e.event_id)).toEqual([])
      expect(counts.has(bad.event_id)).toBe(false)
      expect(await metric('gridpulse_ingest_dead_letter_rows_total')).toBe(1)
      // Kept for an operator, with the engine's reason; acknowledged rows are never dropped.
      const letters = fs.readFileSync(path.join(app.dataDir, 'spool', 'reports', 'dead-letter.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { error: string; row: string })
      expect(letters).toHaveLength(1)
      expect(letters[0]!.row).toContain(bad.event_id)
      expect(letters[0]!.error).toMatch(/FixedString|too large/i)
    } finally {
      await app.store.admin.command({ query: 'ALTER TABLE report_events MODIFY COLUMN department LowCardinality(String)' })
    }
  })

  it('keeps going when the spool\'s own files fail between inserts, and says so on /healthz', async () => {
    // A real filesystem error: the checkpoint's temporary file can't be opened for writing
    // because a directory sits where it goes (EISDIR), as a full or broken disk would refuse it.
    const blocker = path.join(app.dataDir, 'spool', 'reports', 'checkpoint.json.tmp')
    fs.mkdirSync(blocker)
    try {
      const events = batch(30)
      expect((await app.post('reports', events)).status).toBe(200)
      await eventually(async () => (await fetch(`${app.url}/healthz`)).status === 503, 10_000, 'healthz reporting the spool')
      expect(((await (await fetch(`${app.url}/healthz`)).json()) as { error: string }).error).toMatch(/reports: spool: .*EISDIR/)
    } finally {
      fs.rmdirSync(blocker)
    }
    await app.ingest.drain()
    await eventually(async () => (await fetch(`${app.url}/healthz`)).status === 200, 10_000, 'healthz healthy again')
  })

  it('leaves rows stored before content hashes out of the resend memory, rather than calling resends conflicts', async () => {
    const id = `pre-004-${process.pid}`
    const path0 = app.registry().microGridPath(microGrid)!
    // The app's clock, not the real one: ingest stamps received_at with it (pinned to local noon).
    const now = chTime(app.now() - 60_000)
    await app.store.admin.insert({ table: 'report_events', values: [{ event_id: id, report_id: id, type: 'reported', at: now, received_at: now, ...path0, category: 'clutter', channel: '', reporter_role: '', severity: 0, department: '', note: '', source: 'old', content_hash: 0 }], format: 'JSONEachRow' })
    const rs = await app.store.reader.query({ query: sql('recent_event_ids'), query_params: { table: 'report_events', since: chTime(app.now() - 3_600_000), limit: 100_000 }, format: 'JSONCompactEachRow' })
    const ids = (await rs.json<[string, number]>()).map((r) => r[0])
    expect(ids.length).toBeGreaterThan(0)
    expect(ids).not.toContain(id)
  })
})
