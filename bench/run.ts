/**
 * `npm run bench`: measures, in one run, side by side:
 *  - ingest over HTTP (batched NDJSON, validation on) vs the raw engine insert of the same rows;
 *  - the live tick (all scopes) compute time;
 *  - freshness: 2xx → a Socket.IO client sees today.reported change.
 * Prints a Markdown table; `--write` also replaces the figures section of BENCHMARKS.md.
 * `--scale=10000000,100000000` then runs bench/scale.ts at each size in turn (history synthesised
 * in SQL: trends, the hub's load and ticks, walls of 50/500/2,000 sockets) as part of the same
 * run, and with `--write` replaces BENCHMARKS.md's scale section with what they print.
 * `--quick` uses fewer rows. Figures are printed, never asserted.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { Worker } from 'node:worker_threads'
import { loadConfig } from '../server/config.ts'
import { startGridPulse } from '../server/gridpulse.ts'
import { createLogger } from '../server/log.ts'
import { Readable } from 'node:stream'
import { chTime, insertStatement } from '../sql/queries.ts'
import { processBody } from '../ingest/process.ts'
import { COLUMNS } from '../ingest/rows.ts'
import { RecentIds } from '../ingest/dedupe.ts'
import { idsCollidingUnseeded } from '../tests/support/crafted-ids.ts'
import { DISPLAY_TOKEN, liveClient } from '../tests/support/app.ts'
import { CATEGORIES } from '../ingest/schema.ts'
import { addMonths } from '../server/trends/calendar.ts'
import { trendsSource } from '../server/trends/report.ts'
import { slaTable } from '../server/sla.ts'
import { measurePush } from './walls.ts'

const quick = process.argv.includes('--quick')
const write = process.argv.includes('--write')
const SCALES = (process.argv.find((a) => a.startsWith('--scale='))?.slice('--scale='.length) ?? '').split(',').filter(Boolean).map(Number)
for (const n of SCALES) if (!Number.isSafeInteger(n) || n <= 0) throw new Error('--scale takes event counts, e.g. --scale=10000000,100000000')
const ROWS = quick ? 50_000 : 200_000
const BURSTS = quick ? 1 : 3
const CHUNK = 10_000
const SENDERS = 4
const INGEST_WORKERS = loadConfig({ INGEST_WORKERS: process.env.INGEST_WORKERS ?? '' }, {}).ingest.workers
const BACKGROUND_RATE = 5_000
const PUSH_SOCKETS = quick ? 100 : 500
const PUSH_RATE = quick ? 5_000 : 20_000
const KEY = 'bench-ingest-key-000000000000'

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}
/** Gzip size of the JS the wall's index.html loads up front (entry + modulepreloads). */
function initialJsGzip(): { files: number; bytes: number } | undefined {
  const dist = path.resolve('dashboard/dist')
  const index = path.join(dist, 'index.html')
  if (!fs.existsSync(index)) return undefined
  const html = fs.readFileSync(index, 'utf8')
  const srcs = [...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]!)
  const bytes = srcs.reduce((sum, s) => sum + zlib.gzipSync(fs.readFileSync(path.join(dist, s))).length, 0)
  return { files: srcs.length, bytes }
}

/**
 * Sends the bodies from the load-generator thread (bench/sender.mjs); resolves when all got a
 * 2xx, with the moment (performance.now()) the first was sent: the clock starts once the
 * generator has its bodies encoded and ready.
 */
function send(url: string, bodies: string[]): Promise<number> {
  const w = new Worker(new URL('./sender.mjs', import.meta.url), { workerData: { url, key: KEY, bodies, senders: SENDERS, contentType: 'application/x-ndjson' } })
  let started = 0
  return new Promise((resolve, reject) => {
    w.on('message', (m: { ready?: boolean }) => {
      if (m.ready) {
        started = performance.now()
        w.postMessage('go')
      } else resolve(started)
    })
    w.once('error', reject)
    w.once('exit', (code) => reject(new Error(`the load generator exited with code ${code} before finishing`)))
  })
}

/**
 * CPU time of this thread alone, µs: /proc/thread-self/stat where there is one (the engine's
 * background threads and the server's other threads left out), else the whole process's.
 */
function threadCpuUs(): number {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(f[11]) + Number(f[12])) * 1e6) / 100
  } catch {
    const u = process.cpuUsage()
    return u.user + u.system
  }
}

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-bench-'))
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', GRIDPULSE_INGEST_KEY: KEY, GRIDPULSE_DISPLAY_TOKEN: DISPLAY_TOKEN, INGEST_WORKERS: process.env.INGEST_WORKERS ?? '' }, {})
  const gp = await startGridPulse(config, createLogger('bench', true))
  const micro = gp.registry().places.filter((p) => p.level === 'micro_grid').map((p) => p.code)
  const now = Date.now()
  // Reports of the last 60 days, each reported and (all but one in fifty) closed an hour later:
  // a realistic history, where the open backlog is small next to what was handled. Events of
  // the same `reports` family are of the same reports (each under its own event ids): the warm-up
  // and the bursts, and the rows of the insert comparisons, so the history the live phases read
  // (about 400,000 reports) does not grow with the number of bursts.
  const makeEvents = (prefix: string, n = ROWS, reports = prefix) =>
    Array.from({ length: n }, (_, i) => {
      const r = i >> 1
      const at = now - 86_400_000 * 60 + (r % 5_000_000) * 20_000
      const closing = i % 2 === 1
      return {
        event_id: `${prefix}-${i}`,
        report_id: `${reports}-R${closing && r % 50 === 0 ? `${r}-never-closed` : r}`,
        type: closing ? 'closed' : 'reported',
        at: new Date(closing ? at + 3_600_000 : at).toISOString(),
        micro_grid: micro[r % micro.length]!,
        category: CATEGORIES[r % CATEGORIES.length]!,
        channel: 'app',
        reporter_role: r % 4 === 0 ? 'mobile_worker' : 'grid_worker',
        severity: 1,
        note: '楼道堆放杂物，影响通行',
      }
    })

  /** Waits until the engine merges no part of this store's tables (three looks in a row, 0.5 s apart; 2 minutes at most). */
  const engineQuiet = async () => {
    const since = performance.now()
    for (let quiet = 0; quiet < 3 && performance.now() - since < 120_000; ) {
      const n = Number((await (await gp.store.admin.query({ query: 'SELECT count() AS n FROM system.merges WHERE database = currentDatabase()', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
      quiet = n > 0 ? 0 : quiet + 1
      await new Promise((r) => setTimeout(r, 500))
    }
  }
  /** Events as NDJSON bodies of CHUNK rows each. */
  const ndjsonBodies = (events: readonly object[]) => Array.from({ length: Math.ceil(events.length / CHUNK) }, (_, k) => events.slice(k * CHUNK, (k + 1) * CHUNK).map((e) => JSON.stringify(e)).join('\n'))
  /** The stored lines ingest makes of events (processBody on this thread), one buffer per CHUNK rows. */
  const storedLines = (events: readonly object[]) =>
    ndjsonBodies(events).map((body) => {
      const r = processBody({ kind: 'reports', body: Buffer.from(body), ndjson: true, source: { name: 'bench', scope: 'city' }, receivedAt: Date.now(), maxBatchRows: CHUNK }, gp.registry())
      if (!r.ok) throw new Error(r.error)
      return r.batch.lines
    })

  // 1. Ingest over HTTP: chunks of NDJSON from SENDERS concurrent clients. "Acknowledged" is
  //    the last 2xx (events durable in the spool); "stored" is when the flusher has put every
  //    one of them into the store (what the wall and SQL can see). First a warm-up of 40,000
  //    events (of the bursts' reports, under other ids), stored and not timed: the figures are a
  //    running server's, not those of code the JIT has yet to compile; then the burst meets a
  //    server at rest (nothing left to merge).
  const warm = makeEvents('U', 4 * CHUNK, 'H')
  await send(`${gp.url}/api/v1/reports`, ndjsonBodies(warm))
  await gp.ingest.drain()
  /** Seconds to put bodies into report_events, one insert after another. */
  const timeInserts = async (insert: (i: number) => Promise<unknown>, n: number) => {
    const t = performance.now()
    for (let i = 0; i < n; i++) await insert(i)
    return (performance.now() - t) / 1000
  }
  // 2. The same rows inserted straight into the same table in the same batch size, the store's
  //    own ceiling: the very lines ingest writes (JSONCompactEachRow, enriched) through the
  //    store's insert, as the flusher does ("raw"); and, for comparison, the same kind of lines
  //    through client.exec (the flusher's insert before the store's own) and the same rows as
  //    objects through client.insert (JSONEachRow serialised by the client: the path ingest used
  //    before the spool). Rows of their own each round, of the same reports.
  const rawInsert = async (k: number) => {
    const bodies = storedLines(makeEvents(`W${k}`, ROWS, 'W'))
    return await timeInserts((i) => gp.store.insertLines('report_events', COLUMNS.reports, [bodies[i]!], `bench-raw-${k}-${i}`), bodies.length)
  }
  const execInsert = async (k: number) => {
    const bodies = storedLines(makeEvents(`X${k}`, ROWS, 'W'))
    return await timeInserts(async (i) => {
      const rs = await gp.store.writer.exec({ query: insertStatement('report_events', COLUMNS.reports, `bench-exec-${k}-${i}`), values: Readable.from([bodies[i]!], { objectMode: false }) })
      rs.stream.resume()
    }, bodies.length)
  }
  const objectInsert = async (k: number) => {
    const rows = makeEvents(`J${k}`, ROWS, 'J').map((e) => {
      const p = gp.registry().microGridPath(e.micro_grid)!
      return { ...e, ...p, at: chTime(Date.parse(e.at)), received_at: chTime(now), department: '', lat: null, lon: null, source: 'bench' }
    })
    return await timeInserts((i) => gp.store.writer.insert({ table: 'report_events', values: rows.slice(i * CHUNK, (i + 1) * CHUNK), format: 'JSONEachRow' }), ROWS / CHUNK)
  }
  /** Waits until what came before is folded and merged: each timed step meets a store at rest. */
  const atRest = async () => {
    await gp.rollups.fold()
    await engineQuiet()
  }
  // BURSTS rounds of: a burst over HTTP, then the raw insert and the two others, each meeting a
  // server at rest. This VM's speed drifts by a third from minute to minute, so each ratio is
  // taken within its round (both sides met the same machine), and the medians and ranges are
  // reported.
  const acks: number[] = []
  const storeds: number[] = []
  const raws: number[] = []
  const ackRatios: number[] = []
  const storedRatios: number[] = []
  const execs: number[] = []
  const objs: number[] = []
  for (let k = 0; k < BURSTS; k++) {
    await atRest()
    const t0 = await send(`${gp.url}/api/v1/reports`, ndjsonBodies(makeEvents(`H${k}`, ROWS, 'H')))
    acks.push(ROWS / ((performance.now() - t0) / 1000))
    await gp.ingest.drain()
    storeds.push(ROWS / ((performance.now() - t0) / 1000))
    await atRest()
    raws.push(ROWS / (await rawInsert(k)))
    ackRatios.push(acks[k]! / raws[k]!)
    storedRatios.push(storeds[k]! / raws[k]!)
    await atRest()
    execs.push(ROWS / (await execInsert(k)))
    await atRest()
    objs.push(ROWS / (await objectInsert(k)))
  }

  // 2a. The worker's part alone (processBody, on this thread): the same NDJSON bodies through the
  //     hot path (fast-lines.ts) and the general path (JSON.parse → zod → rows.ts), alternately, so
  //     both meet the same machine; CPU µs per event.
  const workBodies = ndjsonBodies(makeEvents('W')).map((b) => Buffer.from(b))
  const workUs = { hot: [] as number[], general: [] as number[] }
  for (let round = 0; round < 3; round++) {
    for (const hotPath of [true, false]) {
      const c = threadCpuUs()
      for (const body of workBodies) {
        const r = processBody({ kind: 'reports', body, ndjson: true, source: { name: 'bench', scope: 'city' }, receivedAt: Date.now(), maxBatchRows: CHUNK, hotPath }, gp.registry())
        if (!r.ok || r.batch.rejected.length > 0) throw new Error('the bench rows must all pass')
      }
      workUs[hotPath ? 'hot' : 'general'].push((threadCpuUs() - c) / ROWS)
    }
  }

  // 2a'. The resend memory (dedupe.ts: every accepted id is set in it and looked up, on the main
  //     thread) with ids a sender could craft against a hash without a secret seed (all on the same
  //     low 20 bits of FNV-1a from its public basis), against as many plain ids, alternately.
  const craftedIds = idsCollidingUnseeded(40_000, 20)
  const plainIds = craftedIds.map((_, i) => `E-${i}-plain`)
  const memoryMs = { crafted: [] as number[], plain: [] as number[] }
  for (let round = 0; round < 3; round++) {
    for (const [k, ids] of [['crafted', craftedIds], ['plain', plainIds]] as const) {
      const memory = new RecentIds(config.ingest.recentIds)
      const t = performance.now()
      for (const id of ids) memory.set(id, 1)
      for (const id of ids) if (memory.get(id) !== 1) throw new Error('the resend memory lost an id')
      memoryMs[k].push(performance.now() - t)
    }
  }

  // 2b. The ingest tier alone: what it acknowledges while its store is elsewhere or away
  //     (report_events made to refuse inserts — TOO_MANY_PARTS, for real: the flusher's inserts
  //     fail and back off), so the engine's inserts don't share the two cores; and first the
  //     engine left to finish what the rows above gave it (their merges, the rollups' fold), so
  //     its background work doesn't either. Then the store returns and the spool drains.
  await atRest()
  const aloneBodies = ndjsonBodies(makeEvents('A'))
  await gp.store.admin.command({ query: 'ALTER TABLE report_events MODIFY SETTING parts_to_throw_insert = 1, parts_to_delay_insert = 1, max_delay_to_insert = 0' })
  const t3 = await send(`${gp.url}/api/v1/reports`, aloneBodies)
  const aloneSec = (performance.now() - t3) / 1000
  await gp.store.admin.command({ query: 'ALTER TABLE report_events RESET SETTING parts_to_throw_insert, parts_to_delay_insert, max_delay_to_insert' })
  await gp.ingest.drain()

  // 3. Live tick: every scope from the grouped queries.
  // Steady state: past the hub's settle window (5 s), so a tick reads only what changed lately.
  await new Promise((r) => setTimeout(r, 6_000))
  const reloadStart = performance.now()
  await gp.hub.reload()
  const fullLoadMs = performance.now() - reloadStart
  const ticks: number[] = []
  for (let i = 0; i < 10; i++) {
    const s = performance.now()
    await gp.hub.refresh({ windows: false })
    ticks.push(performance.now() - s)
  }
  const windowsMs: number[] = []
  for (let i = 0; i < 3; i++) {
    await gp.hub.refresh()
    windowsMs.push(gp.hub.stats.lastWindowsMs)
  }
  const inMemory = gp.hub.stats.reportsInMemory
  const storedReports = Number((await (await gp.store.reader.query({ query: 'SELECT uniqExact(report_id) AS n FROM report_events', format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)

  // Monthly trends (the leaders' review), 24 months (the DESIGN target's), over what the bench
  // stored: from the rollups (migrations 008, 011), and from report_current (what is served while they are folded),
  // which grows with the history. First the fold of everything stored so far.
  let s0 = performance.now()
  await gp.rollups.fold()
  const foldMs = performance.now() - s0
  const trendsMs: Record<string, number[]> = { city: [], street: [], cityEvents: [], streetEvents: [] }
  for (const [label, scope] of [['city', 'city'], ['street', 'street:qingbaijiang.dawan']] as const) {
    for (const [key, rollups] of [[label, gp.rollups], [`${label}Events`, undefined]] as const) {
      for (let i = 0; i < 3; i++) {
        // A fresh reader each time: the reader's 30-second cache would answer repeats without reading.
        const trends = trendsSource({ reader: gp.store.reports, rollups, registry: gp.registry, sla: () => slaTable(), tz: 'Asia/Shanghai' })
        s0 = performance.now()
        await trends.report(scope, addMonths(trends.currentMonth(), -23), trends.currentMonth())
        trendsMs[key]!.push(performance.now() - s0)
      }
    }
  }

  // 4. Freshness: 2xx → a socket client sees the counter move, while a background source
  //    sends BACKGROUND_RATE events/s (reports dated a month ago: they load ingest and the
  //    store without moving today's counter).
  const skippedBefore = gp.hub.stats.skippedTicks
  const client = await liveClient(gp.url, 'city')
  let loading = true
  let backgroundSent = 0
  // Built up front, so the bench's own work doesn't compete with the server it measures.
  const backgroundBodies = Array.from({ length: 600 }, (_, k) => makeEvents(`B${k}`, BACKGROUND_RATE / 10).map((e) => JSON.stringify(e)).join('\n'))
  const background = (async () => {
    let k = 0
    const started = performance.now()
    while (loading) {
      const body = backgroundBodies[k++ % backgroundBodies.length]!
      const res = await fetch(`${gp.url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-ndjson' }, body })
      await res.text()
      backgroundSent += BACKGROUND_RATE / 10
      const due = started + (backgroundSent / BACKGROUND_RATE) * 1000
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
    }
  })()
  const fresh: number[] = []
  const backgroundStart = performance.now()
  for (let i = 0; i < (quick ? 15 : 40); i++) {
    const before = client.current().today.reported
    const ev = { ...makeEvents(`F${i}`, 1)[0]!, at: new Date(Date.now() - 1000).toISOString() }
    const res = await fetch(`${gp.url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(ev) })
    await res.text()
    const acked = performance.now()
    await client.waitFor((s) => s.today.reported > before, 10_000)
    fresh.push(performance.now() - acked)
    await new Promise((r) => setTimeout(r, 100))
  }
  loading = false
  await background
  const backgroundRate = backgroundSent / ((performance.now() - backgroundStart) / 1000)
  client.socket.close()
  const skipped = gp.hub.stats.skippedTicks - skippedBefore

  // 5. Push with many walls: sockets over the city, districts and streets while today's reports
  //    arrive at PUSH_RATE events/s (most scopes change at every tick).
  const push = await measurePush(gp, { count: PUSH_SOCKETS, rate: PUSH_RATE, seconds: quick ? 5 : 10, key: KEY, token: DISPLAY_TOKEN })
  await gp.close()
  fs.rmSync(dataDir, { recursive: true, force: true })

  const bundle = initialJsGzip()
  const ackRate = pct(acks, 50)
  const storedRate = pct(storeds, 50)
  const range = (xs: number[]) => (xs.length > 1 ? ` (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : '')
  const range2 = (xs: number[]) => (xs.length > 1 ? ` (${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)})` : '')
  const rawRate = pct(raws, 50)
  const execRate = pct(execs, 50)
  const objRate = pct(objs, 50)
  const medianOf = BURSTS > 1 ? `, median of ${BURSTS} (range)` : ''
  const table = [
    `| measure | figure | target (DESIGN §6) |`,
    `| --- | --- | --- |`,
    `| ingest over HTTP, NDJSON ×${fmt(CHUNK)}, ${SENDERS} senders, validation on (${fmt(ROWS)} events${BURSTS > 1 ? `, median of ${BURSTS} bursts (range)` : ''}): acknowledged (durable in the spool) | ${fmt(ackRate)} events/s${range(acks)} | ≥ 150,000 events/s |`,
    `| … the same events stored (queryable), end to end | ${fmt(storedRate)} events/s${range(storeds)} | — |`,
    `| raw engine insert of the same rows (the ingest's own lines, in batches of ${fmt(CHUNK)}, through the store's insert as the ingest's flusher does; after each burst${medianOf}) | ${fmt(rawRate)} events/s${range(raws)} | — |`,
    `| ratio HTTP acknowledged / raw; stored / raw (each burst against the insert after it${medianOf}) | ${fmt(pct(ackRatios, 50), 2)}×${range2(ackRatios)} ; ${fmt(pct(storedRatios, 50), 2)}×${range2(storedRatios)} | ≥ 0.5× |`,
    `| while the store refuses every insert (TOO_MANY_PARTS, for real; each retry still parses its batch before refusing): acknowledged into the spool, ${INGEST_WORKERS} worker thread${INGEST_WORKERS === 1 ? '' : 's'} | ${fmt(ROWS / aloneSec)} events/s | — |`,
    `| the worker's part alone (processBody: parse, validate, enrich, serialise), CPU per event: hot path (fast-lines.ts) / general path (JSON.parse → zod → JSON.stringify), median of 3 | ${fmt(pct(workUs.hot, 50), 1)} µs / ${fmt(pct(workUs.general, 50), 1)} µs (${fmt(pct(workUs.general, 50) / pct(workUs.hot, 50), 1)}× less) | — |`,
    `| the resend memory, ${fmt(craftedIds.length)} ids set and looked up: crafted to share a slot under an unseeded hash / plain, median of 3 | ${fmt(pct(memoryMs.crafted, 50), 0)} ms / ${fmt(pct(memoryMs.plain, 50), 0)} ms (${fmt(pct(memoryMs.crafted, 50) / pct(memoryMs.plain, 50), 2)}×) | — |`,
    `| the same kind of lines through client.exec (a statement with a body: the flusher's insert before the store's own${medianOf}) | ${fmt(execRate)} events/s${range(execs)} (the store's insert: ${fmt(rawRate / execRate, 2)}× its rate) | — |`,
    `| before the spool: the same rows as objects through client.insert (JSONEachRow${medianOf}) | ${fmt(objRate)} events/s${range(objs)} (the lines through the store's insert: ${fmt(rawRate / objRate, 2)}× its rate) | — |`,
    `| live tick, all scopes, ${fmt(storedReports)} stored reports (${fmt(inMemory)} open or recent in memory): p50 / max | ${fmt(pct(ticks, 50), 1)} ms / ${fmt(Math.max(...ticks), 1)} ms | snapshot ≤ 50 ms at 100M |`,
    `| live hub full load of open and recent reports (at start, then every 15 min) | ${fmt(fullLoadMs, 0)} ms | — |`,
    `| monthly trends, 24 months, ${fmt(storedReports)} stored reports, from the rollups: city / one street (median) | ${fmt(pct(trendsMs.city!, 50), 0)} ms / ${fmt(pct(trendsMs.street!, 50), 0)} ms | ≤ 100 ms at 100M |`,
    `| the same from report_current (served while the rollups are folded): city / one street; rollups faster by | ${fmt(pct(trendsMs.cityEvents!, 50), 0)} ms / ${fmt(pct(trendsMs.streetEvents!, 50), 0)} ms; ${fmt(pct(trendsMs.cityEvents!, 50) / pct(trendsMs.city!, 50), 1)}× / ${fmt(pct(trendsMs.streetEvents!, 50) / pct(trendsMs.street!, 50), 1)}× | |`,
    `| review rollups: a pass after the ingest (folds what the background passes had not) | ${fmt(foldMs, 0)} ms | |`,
    `| live window figures (7 days per micro-grid, H3 hexes, spike baselines, visit coverage; once a minute): median | ${fmt(pct(windowsMs, 50), 0)} ms | — |`,
    `| freshness 2xx → socket sees today.reported, under ${fmt(backgroundRate)} events/s background ingest: p50 / p99 | ${fmt(pct(fresh, 50), 0)} ms / ${fmt(pct(fresh, 99), 0)} ms | p99 ≤ 1 s under 5k events/s |`,
    `| live ticks skipped while a compute ran (freshness phase) | ${skipped} | none skipped |`,
    `| live push, ${fmt(push.sockets)} sockets (city, districts, streets), ingest of today's reports at ${fmt(push.sent)} events/s: figures computed → patch on the wall, p50 / p99 | ${fmt(push.pushP50, 0)} ms / ${fmt(push.pushP99, 0)} ms | p99 ≤ 50 ms at 500 sockets, 20k events/s |`,
    `| … the same from the tick's start (its store reads and compute included), p50 / p99; the compute alone, p50 | ${fmt(push.tickP50, 0)} ms / ${fmt(push.tickP99, 0)} ms; ${fmt(push.computeP50, 0)} ms | — |`,
    `| … meanwhile: ticks computed / skipped; patches received; seq gaps; subscribe answered (snapshot) p50 / p99; server RSS | ${fmt(push.computes)} / ${fmt(push.skippedTicks)}; ${fmt(push.patches)}; ${fmt(push.gaps)}; ${fmt(push.subscribeP50, 0)} ms / ${fmt(push.subscribeP99, 0)} ms; ${fmt(push.rssMiB)} MiB | no tick skipped |`,
    bundle
      ? `| dashboard initial JS, gzip (${bundle.files} file${bundle.files > 1 ? 's' : ''}) | ${fmt(bundle.bytes / 1024, 1)} KB | ≤ 600 KB |`
      : `| dashboard initial JS, gzip | not built (run \`npm run build\`) | ≤ 600 KB |`,
  ].join('\n')
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`
  const report = `Machine: ${machine}. Command: \`npm run bench${quick ? ' -- --quick' : ''}\`.\n\n${table}\n`
  console.log(report)
  // Written as each part ends: a scale run that fails late keeps what came before.
  const save = (name: string, body: string) => {
    if (!write) return
    const file = path.resolve('BENCHMARKS.md')
    const start = `<!-- ${name}:start -->`
    const end = `<!-- ${name}:end -->`
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n${body}${end}`))
    console.log(`written to ${file} (${name})`)
  }
  save('bench', report)
  const scales: string[] = []
  for (const n of SCALES) {
    scales.push(await scaleRun(n))
    save('scale', `Machine: ${machine}. Command: \`npm run bench -- --write --scale=${SCALES.join(',')}\` (bench/scale.ts at each size, after the table above, in the same run).\n\n${scales.join('\n')}`)
  }
}

/** bench/scale.ts at `n` events in a process of its own (a fresh engine); its printed lines as Markdown. */
async function scaleRun(n: number): Promise<string> {
  const { spawn } = await import('node:child_process')
  // The report_current path takes minutes past tens of millions (and serves only until the first fold).
  const args = ['--import', 'tsx', 'bench/scale.ts', String(n), ...(n > 20_000_000 ? ['--skip-events'] : [])]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString()
    process.stdout.write(d)
  })
  // 'close', not 'exit': the child's last lines may still be in the pipe when it exits.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  if (code !== 0) throw new Error(`bench/scale.ts ${n} exited with ${code}`)
  const lines = out.trim().split('\n').filter((l) => l.trim() !== '')
  return `**${fmt(n)} events** (\`${args.slice(2).join(' ')}\`):\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`
}

// If the event loop ever empties before the bench is done, a promise was left unsettled: say so
// and fail, rather than exit 0 with half a report.
process.on('beforeExit', () => {
  console.error('the bench stopped before finishing: nothing was left to run while it still waited')
  process.exit(1)
})

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
