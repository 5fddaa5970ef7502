/**
 * Two ingest pipelines on one store — a server's own and an `npm run ingest` service, say —
 * each number their spool frames from 1. Their batches must still both land: the deduplication
 * token of a batch carries its spool's own id, so the engine never takes one spool's first
 * batch for a repeat of the other's.
 * Fixture: a test app (pipeline A) and a second pipeline B opened on the same store with its own
 * spool directory; one report sent to each.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Registry as MetricsRegistry } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Ingest, ingestOptions } from '../../ingest/pipeline.ts'
import { loadConfig } from '../../server/config.ts'
import { createLogger } from '../../server/log.ts'
import { startTestApp, type TestApp } from '../support/app.ts'

let app: TestApp
let second: Ingest
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-spool-b-'))

beforeAll(async () => {
  app = await startTestApp()
  second = await Ingest.open(ingestOptions(loadConfig({ DATA_DIR: dir, INGEST_FLUSH_MS: '20', INGEST_WORKERS: '0' }, {}), { store: app.store, registry: app.registry(), metrics: new MetricsRegistry(), log: createLogger('test', true) }))
})

afterAll(async () => {
  await second?.close()
  await app?.stopAndClean()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('two spools on one store', () => {
  it('stores the first batch of each, though both are frame 1 of their spool', async () => {
    const microGrid = app.registry().places.find((p) => p.level === 'micro_grid')!.code
    // A minute before each pipeline's own clock: the test app's runs at local noon, B's is the real one.
    const event = (id: string, now: number) => ({ event_id: id, report_id: id, type: 'reported', at: new Date(now - 60_000).toISOString(), micro_grid: microGrid, category: 'clutter' })
    expect((await app.post('reports', event('via-a', app.now()))).body.accepted).toBe(1)
    const b = await second.acceptBody('reports', Buffer.from(JSON.stringify(event('via-b', Date.now()))), 'application/json', { name: 'service b', scope: 'city' })
    expect(b.accepted).toBe(1)
    await Promise.all([app.ingest.drain(), second.drain()])
    const rs = await app.store.reader.query({ query: "SELECT event_id FROM report_events WHERE event_id IN ('via-a', 'via-b') ORDER BY event_id", format: 'JSONEachRow' })
    expect(await rs.json()).toEqual([{ event_id: 'via-a' }, { event_id: 'via-b' }])
  })
})
