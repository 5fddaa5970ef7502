/**
 * `npm run store` (the embedded engine over the ClickHouse HTTP interface) as the official
 * client and curl-like callers use it: parameters bound by the engine, ClickHouse's own errors
 * with their codes, Basic auth that refuses strangers without falling over, gzip bodies, and
 * requests that leave nothing behind for the next one.
 * Fixture: a store process on a temp data dir with STORE_USER/STORE_PASSWORD set.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startChild, type Child } from '../support/processes.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-store-'))
let store: Child
let client: ClickHouseClient
let base: string
const auth = { authorization: `Basic ${Buffer.from('gridpulse:store-secret-123').toString('base64')}` }

beforeAll(async () => {
  store = await startChild('sql/serve.ts', { DATA_DIR: dir, STORE_PORT: '0', STORE_USER: 'gridpulse', STORE_PASSWORD: 'store-secret-123' }, /on (http:\/\/127\.0\.0\.1:\d+)/)
  base = store.url
  client = createClient({ url: `${base}/gridpulse`, username: 'gridpulse', password: 'store-secret-123', log: { level: ClickHouseLogLevel.OFF } })
})

afterAll(async () => {
  await client?.close()
  await store?.kill('SIGTERM')
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the store server', () => {
  it('serves the official client: DDL, inserts, bound parameters, typed errors', async () => {
    await client.command({ query: 'CREATE TABLE t (id String, n UInt32) ENGINE = MergeTree ORDER BY id' })
    await client.insert({ table: 't', values: [{ id: "o'brien", n: 1 }, { id: 'b', n: 2 }], format: 'JSONEachRow' })
    const rs = await client.query({ query: 'SELECT n FROM t WHERE id = {id:String}', query_params: { id: "o'brien" }, format: 'JSONEachRow' })
    expect(await rs.json()).toEqual([{ n: 1 }])
    await expect(client.query({ query: 'SELECT * FROM nowhere' })).rejects.toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' })
  })

  it('refuses a wrong or strange password with 401 and keeps serving', async () => {
    for (const user of ['gridpulse:wrong', 'éa:x', ':']) {
      const res = await fetch(`${base}/?query=SELECT%201`, { headers: { authorization: `Basic ${Buffer.from(user).toString('base64')}` } })
      expect(res.status).toBe(401)
      expect(await res.text()).toMatch(/AUTHENTICATION_FAILED/)
    }
    expect((await fetch(`${base}/?query=SELECT%201`)).status).toBe(401)
    expect(await (await fetch(`${base}/ping`)).text()).toBe('Ok.\n')
    expect(await (await fetch(`${base}/?query=SELECT%2042`, { headers: auth })).text()).toBe('42\n')
  })

  it('leaves nothing a request SETs for the next one', async () => {
    const post = (sql: string, params = '') => fetch(`${base}/?${params}`, { method: 'POST', headers: auth, body: sql })
    expect((await post('SET max_result_rows = 1')).status).toBe(200)
    expect(await (await post('SELECT count() FROM (SELECT number FROM numbers(5))')).text()).toBe('5\n')
    expect(await (await post('SELECT number FROM numbers(3) FORMAT TSV')).text()).toBe('0\n1\n2\n')
    expect(await (await post('SELECT {x:UInt8}', 'param_x=7')).text()).toBe('7\n')
    // A parameter of an earlier request is not there for a later one.
    const missing = await post('SELECT {x:UInt8}')
    expect(missing.status).toBeGreaterThanOrEqual(400)
    expect(await missing.text()).toMatch(/Code: \d+/)
  })

  it('takes gzip bodies, and refuses one that inflates past the limit with 413', async () => {
    const ok = await fetch(`${base}/`, { method: 'POST', headers: { ...auth, 'content-encoding': 'gzip' }, body: zlib.gzipSync('SELECT 1 + 1') })
    expect(await ok.text()).toBe('2\n')
    const bomb = zlib.gzipSync(Buffer.alloc(300 * 1024 * 1024, 0x20))
    const res = await fetch(`${base}/`, { method: 'POST', headers: { ...auth, 'content-encoding': 'gzip' }, body: bomb })
    expect(res.status).toBe(413)
    expect(await (await fetch(`${base}/?query=SELECT%201`, { headers: auth })).text()).toBe('1\n')
  })
})
