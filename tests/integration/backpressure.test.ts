/**
 * Bounded memory under a burst: past INGEST_MAX_INFLIGHT_BYTES of request bodies in processing,
 * ingest answers 429 with Retry-After instead of queueing; what it acknowledged is stored, what
 * it refused is not, and a refused batch goes in when sent again.
 * Fixture: the demo registry; at most 300 kB of bodies in processing at once; 20 concurrent
 * bodies of ~150 kB each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'

let app: TestApp
let microGrid: string
let seq = 0

beforeAll(async () => {
  app = await startTestApp({ INGEST_MAX_INFLIGHT_BYTES: '300000' })
  microGrid = app.registry().places.find((p) => p.level === 'micro_grid')!.code
})

afterAll(async () => {
  await app?.stopAndClean()
})

function batch(): Array<Record<string, unknown>> {
  return Array.from({ length: 800 }, () => {
    const id = `P-${process.pid}-${++seq}`
    return { event_id: id, report_id: id, type: 'reported', at: new Date(app.now() - 60_000).toISOString(), micro_grid: microGrid, category: 'sanitation', note: '垃圾桶满溢，周边有异味，请尽快清运。' }
  })
}

describe('a burst past the in-flight bound', () => {
  it('is answered 429 with Retry-After for what does not fit, and loses nothing it acknowledged', async () => {
    const batches = Array.from({ length: 20 }, batch)
    expect(Buffer.byteLength(JSON.stringify(batches[0]))).toBeGreaterThan(150_000)
    const answers = await Promise.all(batches.map((b) => app.post('reports', b)))
    const refused = answers.flatMap((a, i) => (a.status === 429 ? [i] : []))
    const acked = answers.flatMap((a, i) => (a.status === 200 ? [i] : []))
    expect(refused.length + acked.length).toBe(20)
    expect(refused.length).toBeGreaterThan(0)
    expect(acked.length).toBeGreaterThan(0)
    for (const i of refused) {
      expect(answers[i]!.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(answers[i]!.body.error).toMatch(/busy.*nothing from this request was kept/)
    }
    await app.ingest.drain()
    const ids = (i: number) => batches[i]!.map((e) => e.event_id as string)
    const count = async (list: string[]) =>
      Number((await (await app.store.reader.query({ query: 'SELECT count() AS n FROM report_events WHERE event_id IN {ids:Array(String)}', query_params: { ids: list }, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    expect(await count(acked.flatMap(ids))).toBe(acked.length * 800)
    expect(await count(refused.flatMap(ids))).toBe(0)

    // Sent again one at a time, the refused batches go in.
    for (const i of refused) expect((await app.post('reports', batches[i])).body.accepted).toBe(800)
  })
})
