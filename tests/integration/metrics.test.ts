/**
 * `GET /metrics` for Prometheus: only with the metrics token when one is set (401 otherwise,
 * a wrong token included), and the ingest figures an operator watches move with real traffic:
 * accepted, duplicates, rejected by reason, arrival lag, stored.
 * Fixture: GRIDPULSE_METRICS_TOKEN set; the demo registry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { scrapeMetrics } from '../support/metrics.ts'

const TOKEN = 'metrics-token-0123456789'
let app: TestApp

beforeAll(async () => {
  app = await startTestApp({ GRIDPULSE_METRICS_TOKEN: TOKEN })
})

afterAll(async () => {
  await app?.stopAndClean()
})

const metrics = () => scrapeMetrics(app.url, TOKEN)

describe('/metrics', () => {
  it('answers only to the metrics token', async () => {
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer not-it' } })).status).toBe(401)
    expect((await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
  })

  it('counts accepted, duplicate and rejected events by reason, their arrival lag, and what was stored', async () => {
    const before = await metrics()
    const get = (m: Map<string, number>, k: string) => m.get(k) ?? 0
    const mg = app.registry().places.find((p) => p.level === 'micro_grid')!.code
    const ev = (id: string, over: Record<string, unknown> = {}) => ({ event_id: id, report_id: id, type: 'reported', at: new Date(app.now() - 2 * 3_600_000).toISOString(), micro_grid: mg, category: 'clutter', ...over })
    const res = await app.post('reports', [ev('m-1'), ev('m-2'), ev('m-1'), ev('m-3', { micro_grid: 'nowhere' }), ev('m-4', { category: 'pothole' })])
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 1 })
    await app.ingest.drain()
    const after = await metrics()
    const delta = (k: string) => get(after, k) - get(before, k)
    expect(delta('gridpulse_ingest_accepted_events_total{stream="reports"}')).toBe(2)
    expect(delta('gridpulse_ingest_duplicate_events_total{stream="reports"}')).toBe(1)
    expect(delta('gridpulse_ingest_rejected_events_total{stream="reports",reason="unknown_micro_grid"}')).toBe(1)
    expect(delta('gridpulse_ingest_rejected_events_total{stream="reports",reason="schema"}')).toBe(1)
    expect(delta('gridpulse_ingest_stored_events_total{stream="reports"}')).toBe(2)
    // Two hours late: both in the (3600, 21600] bucket, not below it.
    expect(delta('gridpulse_ingest_arrival_lag_seconds_bucket{stream="reports",le="3600"}')).toBe(0)
    expect(delta('gridpulse_ingest_arrival_lag_seconds_bucket{stream="reports",le="21600"}')).toBe(2)
    expect(get(after, 'gridpulse_ingest_spool_rows{stream="reports"}')).toBe(0)
    // The live hub's figures are there too.
    expect(get(after, 'gridpulse_live_computes')).toBeGreaterThan(0)
    expect(after.has('gridpulse_live_reports_in_memory')).toBe(true)
  })
})
