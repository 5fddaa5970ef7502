/**
 * The scaled topology's ingest, with real processes: `npm run store` (the embedded engine over
 * the ClickHouse HTTP interface), a GridPulse server on it through CLICKHOUSE_URL (it migrates
 * and owns keys and the registry), and `npm run ingest` as its own process. The store process
 * is killed under ingest and started again: events acknowledged meanwhile wait in the ingest
 * spool and land exactly once; a key the server revokes stops working in the ingest process.
 * Fixture: temp data dirs per process; the demo registry; ingest key KEY (city scope).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.ts'
import { startGridPulse, type GridPulse } from '../../server/gridpulse.ts'
import { createLogger } from '../../server/log.ts'
import { eventually, startChild, type Child } from '../support/processes.ts'
import { ADMIN_PASSWORD, signIn } from '../support/app.ts'
import { registryToCsv } from '../../ingest/registry/csv.ts'

const KEY = 'scaled-ingest-key-0123456789'
const dirs = { store: tmp('store'), server: tmp('server'), ingest: tmp('ingest') }
let store: Child
let ingest: Child
let gp: GridPulse
let storePort: string
let microGrid: string
let seq = 0

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gridpulse-${name}-`))
}

const startStore = (port = '0') => startChild('sql/serve.ts', { DATA_DIR: dirs.store, STORE_PORT: port, STORE_HOST: '127.0.0.1' }, /on http:\/\/127\.0\.0\.1:(\d+)/)

function events(n: number) {
  return Array.from({ length: n }, () => {
    const id = `S-${process.pid}-${++seq}`
    return { event_id: id, report_id: id, type: 'reported', at: new Date(Date.now() - 30_000).toISOString(), micro_grid: microGrid, category: 'illegal_parking' }
  })
}

async function post(body: unknown, key = KEY): Promise<{ status: number; body: { accepted?: number; error?: string } }> {
  const res = await fetch(`${ingest.url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as { accepted?: number } }
}

async function countOnce(ids: string[]): Promise<{ missing: number; doubled: number }> {
  const rs = await gp.store.reader.query({
    query: 'SELECT event_id, count() AS n FROM report_events WHERE event_id IN {ids:Array(String)} GROUP BY event_id',
    query_params: { ids },
    format: 'JSONEachRow',
  })
  const n = new Map((await rs.json<{ event_id: string; n: string | number }>()).map((r) => [r.event_id, Number(r.n)]))
  return { missing: ids.filter((id) => !n.has(id)).length, doubled: ids.filter((id) => (n.get(id) ?? 0) > 1).length }
}

beforeAll(async () => {
  store = await startStore()
  storePort = store.url
  const clickhouseUrl = `http://127.0.0.1:${storePort}/gridpulse`
  gp = await startGridPulse(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dirs.server, CLICKHOUSE_URL: clickhouseUrl, GRIDPULSE_DEMO: 'registry', GRIDPULSE_INGEST_KEY: KEY, GRIDPULSE_ADMIN_PASSWORD: ADMIN_PASSWORD, LIVE_TICK_MS: '100' }, {}),
    createLogger('test', true),
  )
  microGrid = gp.registry().places.find((p) => p.level === 'micro_grid')!.code
  ingest = await startChild('ingest/main.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dirs.ingest, CLICKHOUSE_URL: clickhouseUrl, INGEST_FLUSH_MS: '20', INGEST_RETRY_MAX_MS: '300' }, /running: (http:\/\/localhost:\d+)\//)
})

afterAll(async () => {
  await ingest?.kill('SIGTERM')
  await gp?.close()
  await store?.kill('SIGTERM')
  for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true })
})

describe('npm run ingest beside a server, on a shared store', () => {
  it('stores what it acknowledges, through a store outage, exactly once', async () => {
    const first = events(200)
    expect((await post(first)).status).toBe(200)
    await eventually(async () => (await countOnce(first.map((e) => e.event_id))).missing === 0, 30_000, 'first batch stored')

    await store.kill('SIGKILL')
    const during = [...events(300), ...events(300)]
    const a = await post(during.slice(0, 300))
    const b = await post(during.slice(300))
    expect([a.status, a.body.accepted, b.status, b.body.accepted]).toEqual([200, 300, 200, 300])
    const metrics = await (await fetch(`${ingest.url}/metrics`)).text()
    expect(metrics).toMatch(/gridpulse_ingest_spool_rows\{stream="reports"\} [1-9]\d*/)

    store = await startStore(storePort)
    const all = [...first, ...during].map((e) => e.event_id)
    await eventually(async () => (await countOnce(all)).missing === 0, 60_000, 'spooled events stored after the store came back')
    expect(await countOnce(all)).toEqual({ missing: 0, doubled: 0 })
    // A resend after all that is a duplicate, not a second row.
    const again = await post(first.slice(0, 10))
    expect(again.status).toBe(200)
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 10 })
  })

  it('refuses a key the server revoked, within seconds', async () => {
    const admin = await signIn(gp.url, 'admin', ADMIN_PASSWORD)
    const created = await fetch(`${gp.url}/api/v1/admin/keys`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'ingest', name: 'short-lived source', scope: 'city' }),
    })
    expect(created.status).toBe(201)
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string }
    await eventually(async () => (await post(events(1), secret)).status === 200, 15_000, 'new key accepted by the ingest process')
    const revoked = await fetch(`${gp.url}/api/v1/admin/keys/${key.id}/revoke`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } })
    expect(revoked.status).toBeLessThan(300)
    await eventually(async () => (await post(events(1), secret)).status === 401, 15_000, 'revoked key refused by the ingest process')
  })

  it('follows a registry the server imports: a new micro-grid is accepted within seconds', async () => {
    const admin = await signIn(gp.url, 'admin', ADMIN_PASSWORD)
    const grid = gp.registry().places.find((p) => p.level === 'grid')!
    const code = `${grid.code}.m999`
    const newPlace = { ...gp.registry().places.find((p) => p.level === 'micro_grid' && p.parent === grid.code)!, code, name: '新微网格', nameEn: 'New micro-grid' }
    const at = new Date(Date.now() - 30_000).toISOString()
    const event = { event_id: `new-mg-${process.pid}`, report_id: `new-mg-${process.pid}`, type: 'reported', at, micro_grid: code, category: 'other' }
    expect((await post(event)).body).toMatchObject({ accepted: 0 })
    const csv = registryToCsv([...gp.registry().places, newPlace])
    const imported = await fetch(`${gp.url}/api/v1/admin/registry`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/csv' }, body: csv })
    expect(imported.status).toBe(200)
    await eventually(async () => (await post(event)).status === 200, 15_000, 'the new micro-grid accepted by the ingest process')
  })
})
