/**
 * The embedded store's write horizon (Store.settledBefore), which lets the live hub read each
 * tick's changes without re-reading a settle window: while a write to report_events is in
 * flight the horizon stays at its start (its rows are stamped from then on but not yet visible);
 * other writes and reads leave it alone; it clears when the write ends, failed or not.
 * A ClickHouse server has none (other processes write too). The store's own insert of stored lines
 * (`insertLines`, the ingest's path) is timed the same, deduplicated by its token, and fails with
 * the client's typed error.
 * Fixture: a migrated embedded store on a temp dir; slow inserts made with sleepEachRow.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStore, type Store } from '../../sql/store.ts'
import { migrate } from '../../sql/migrate.ts'
import { insertStatement } from '../../sql/queries.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-horizon-'))
let store: Store

const slowInsert = (table: string, rows = 3) =>
  `INSERT INTO ${table} (event_id, at, micro_grid) SELECT toString(number), now64(3), 'x' FROM numbers(${rows}) WHERE sleepEachRow(0.2) = 0`

beforeAll(async () => {
  store = await createStore({ dataDir: dir })
  await migrate(store.admin)
})

afterAll(async () => {
  await store?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the embedded store’s write horizon', () => {
  it('holds at the start of a write to report_events until it commits, through any connection', async () => {
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)
    const started = Date.now()
    const write = store.admin.command({ query: slowInsert('report_events') })
    await new Promise((r) => setTimeout(r, 150))
    const during = store.settledBefore!()
    expect(during).toBeGreaterThanOrEqual(started)
    expect(during).toBeLessThanOrEqual(started + 50)
    await write
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)

    // An exec of an insert statement with a body, on the writer connection.
    const exec = store.writer.exec({ query: insertStatement('report_events', ['event_id', 'at', 'micro_grid'], 'horizon-test-1'), values: Readable.from([JSON.stringify(['e1', '2026-01-01 00:00:00.000', 'x']) + '\n']) })
    expect(store.settledBefore!()).toBeLessThanOrEqual(Date.now())
    ;(await exec).stream.resume()
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)

    // The ingest's path: the store's own insert of stored lines (chdb's raw insert, embedded).
    const lines = store.insertLines('report_events', ['event_id', 'at', 'micro_grid'], [Buffer.from(JSON.stringify(['e3', '2026-01-01 00:00:00.000', 'x']) + '\n')], 'horizon-test-2')
    expect(store.settledBefore!()).toBeLessThanOrEqual(Date.now())
    await lines
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)
    const n = await (await store.reader.query({ query: "SELECT count() AS n FROM report_events WHERE event_id = 'e3'", format: 'JSONEachRow' })).json<{ n: string }>()
    expect(Number(n[0]!.n)).toBe(1)
  })

  it('stores a batch inserted twice under one token once (a spool frame replayed after a crash)', async () => {
    const lines = [Buffer.from(JSON.stringify(['e5', '2026-01-01 00:00:00.000', 'x']) + '\n' + JSON.stringify(['e6', '2026-01-01 00:00:00.000', 'x']) + '\n')]
    await store.insertLines('report_events', ['event_id', 'at', 'micro_grid'], lines, 'horizon-test-replay')
    await store.insertLines('report_events', ['event_id', 'at', 'micro_grid'], lines, 'horizon-test-replay')
    const n = await (await store.reader.query({ query: "SELECT count() AS n FROM report_events WHERE event_id IN ('e5', 'e6')", format: 'JSONEachRow' })).json<{ n: string }>()
    expect(Number(n[0]!.n)).toBe(2)
  })

  it('refuses lines the store cannot take with the client’s typed error, and clears', async () => {
    const bad = store.insertLines('report_events', ['event_id', 'at', 'micro_grid'], [Buffer.from('["e4","not a time","x"]\n')], 'horizon-test-3')
    await expect(bad).rejects.toMatchObject({ code: expect.stringMatching(/^\d+$/) })
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)
  })

  it('is left alone by writes to other tables and by reads', async () => {
    const other = store.admin.command({ query: slowInsert('visit_events') })
    const read = store.reader.query({ query: 'SELECT sum(sleepEachRow(0.2)) FROM numbers(3)', format: 'JSONEachRow' })
    await new Promise((r) => setTimeout(r, 150))
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)
    await Promise.all([other, read])
  })

  it('knows the spellings of an insert into report_events, and no other table', async () => {
    for (const query of ['-- a note\n/* and another */ insert into `report_events` (event_id) VALUES', 'INSERT INTO TABLE gridpulse.report_events (event_id) VALUES', 'INSERT INTO "report_events" (event_id) VALUES']) {
      const write = store.admin.command({ query: `${query} ('x') SETTINGS function_sleep_max_microseconds_per_block = 0` }).catch(() => undefined)
      expect(store.settledBefore!(), query).toBeLessThanOrEqual(Date.now())
      await write
    }
    const other = store.admin.command({ query: 'INSERT INTO report_events_archive (event_id) VALUES' }).catch(() => undefined)
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)
    await other
    const viaInsert = store.admin.insert({ table: 'default.report_events', values: [{ event_id: 'e2', at: '2026-01-01 00:00:00.000', micro_grid: 'x' }], format: 'JSONEachRow' }).catch(() => undefined)
    expect(store.settledBefore!()).toBeLessThanOrEqual(Date.now())
    await viaInsert
  })

  it('clears when a write fails', async () => {
    await expect(store.admin.command({ query: 'INSERT INTO report_events (no_such_column) VALUES (1)' })).rejects.toThrow()
    expect(store.settledBefore!()).toBe(Number.POSITIVE_INFINITY)
  })
})
