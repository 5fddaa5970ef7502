/**
 * `npm run bench:scale -- <events>` (default 10,000,000): how the read side grows with history.
 * Synthesises reports over the last 24 months in SQL (INSERT … SELECT FROM numbers(): four
 * events a report — reported, verified, resolved, closed — spread evenly over the demo
 * registry's micro-grids; visits too), then times:
 * - the review rollups' fold of that history, and a pass after 10,000 more events;
 * - the monthly trends report (24 months; the city, a district with all its streets, one
 *   street) from the rollups: right after the fold, once the engine's background merges of the
 *   rollup tables are done, and once the maintainer has compacted them (its hourly
 *   OPTIMIZE … FINAL, held off until then: before and after in one run); and from report_current;
 * - the live hub's full load, its steady ticks and its window read;
 * - walls: for each count in `--sockets=50,500,2000`, that many sockets subscribed (the snapshot
 *   answer) and the push latency while today's reports arrive at 2,000 events/s (bench/walls.ts).
 * Prints figures; asserts nothing. Uses a temp data dir, removed afterwards.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../server/config.ts'
import { startGridPulse } from '../server/gridpulse.ts'
import { createLogger } from '../server/log.ts'
import { addMonths } from '../server/trends/calendar.ts'
import { trendsSource } from '../server/trends/report.ts'
import { slaTable } from '../server/sla.ts'
import { measurePush } from './walls.ts'

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 10_000_000)
const SOCKETS = (process.argv.find((a) => a.startsWith('--sockets='))?.slice('--sockets='.length) ?? '50,500,2000').split(',').filter(Boolean).map(Number)
const KEY = 'scale-ingest-key-0123456789'
const TOKEN = 'scale-display-token-0123456789'
const CHUNK = 2_000_000
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-scale-'))
// GRIDPULSE_ROLLUP_COMPACT_MS=0: the bench compacts the rollups itself, after timing them as the engine's merges leave them.
const gp = await startGridPulse(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', GRIDPULSE_INGEST_KEY: KEY, GRIDPULSE_DISPLAY_TOKEN: TOKEN, GRIDPULSE_ROLLUP_COMPACT_MS: '0' }, {}), createLogger('scale', true))
// The bench folds and recomputes when it means to, not on the maintainer's and the hub's timers
// (at 100M, a hub ticking through the synthesis ran out of heap: see BENCHMARKS.md).
await gp.rollups.stop()
await gp.hub.stop()
const registry = gp.registry()
const mgs = registry.places.filter((p) => p.level === 'micro_grid').map((p) => registry.microGridPath(p.code)!)
const places = { k: mgs.length, mg: mgs.map((m) => m.micro_grid), grid: mgs.map((m) => m.grid), com: mgs.map((m) => m.community), st: mgs.map((m) => m.street), di: mgs.map((m) => m.district) }
const ms = (t: number) => `${Math.round(performance.now() - t)} ms`

// Reports of every category, one in five from mobile grid workers, with lifecycles of three minutes
// to two days and a half, so the review's duration histograms are as full as real ones. Each
// report is closed at its own slot of the 24 months, so no event lies in the future.
const synth = async (off: number, n: number, total: number) =>
  await gp.store.admin.command({
    query: `INSERT INTO report_events (event_id, report_id, type, at, received_at, micro_grid, grid, community, street, district, category, channel, reporter_role, severity, department, note, source)
      SELECT concat('s', toString(number)), concat('S', toString(intDiv(number, 4))) AS rid,
        ['reported', 'verified', 'resolved', 'closed'][(number % 4) + 1],
        now64(3) - toIntervalSecond(intDiv({total:UInt64} - number, 4) * intDiv(730 * 86400, intDiv({total:UInt64}, 4)))
          - toIntervalSecond((3 - number % 4) * (60 + cityHash64(rid) % 72000)) AS t,
        t,
        {mg:Array(String)}[(intDiv(number, 4) % {k:UInt32}) + 1], {grid:Array(String)}[(intDiv(number, 4) % {k:UInt32}) + 1],
        {com:Array(String)}[(intDiv(number, 4) % {k:UInt32}) + 1], {st:Array(String)}[(intDiv(number, 4) % {k:UInt32}) + 1],
        {di:Array(String)}[(intDiv(number, 4) % {k:UInt32}) + 1],
        if(number % 4 = 0, {cats:Array(String)}[(cityHash64(rid, 1) % length({cats:Array(String)})) + 1], ''),
        'app', if(cityHash64(rid, 2) % 5 = 0, 'mobile_worker', 'grid_worker'), 1, '', '', 'scale'
      FROM numbers({off:UInt64}, {n:UInt64})`,
    query_params: { total, off, n, cats: slaTable().categories, ...places },
  })
// Visits, one for every ten report events, over the same 24 months: key-population households
// (one per 200 events) visited about every five weeks each, in their own micro-grid.
const VISITS = Math.round(N / 10)
const synthVisits = async (off: number, n: number) =>
  await gp.store.admin.command({
    query: `INSERT INTO visit_events (event_id, at, received_at, micro_grid, grid, community, street, district, worker_id, worker_role, household, groups, kind, duration_min, follow_up, note, source)
      SELECT concat('v', toString(number)), now64(3) - toIntervalSecond(intDiv(({total:UInt64} - number) * 730 * 86400, {total:UInt64})) AS t, t,
        {mg:Array(String)}[(h % {k:UInt32}) + 1], {grid:Array(String)}[(h % {k:UInt32}) + 1], {com:Array(String)}[(h % {k:UInt32}) + 1],
        {st:Array(String)}[(h % {k:UInt32}) + 1], {di:Array(String)}[(h % {k:UInt32}) + 1],
        concat('w', toString(h % 5000)), 'grid_worker', concat('h', toString(cityHash64(number) % {households:UInt64} AS h)), ['elderly'], 'patrol', NULL, 0, '', 'scale'
      FROM numbers({off:UInt64}, {n:UInt64})`,
    query_params: { total: VISITS, off, n, households: Math.max(1, Math.round(N / 200)), ...places },
  })
const t0 = performance.now()
for (let off = 0; off < N; off += CHUNK) await synth(off, Math.min(CHUNK, N - off), N)
for (let off = 0; off < VISITS; off += CHUNK) await synthVisits(off, Math.min(CHUNK, VISITS - off))
console.log(`synthesised ${N.toLocaleString('en')} events (${(N / 4).toLocaleString('en')} reports) and ${VISITS.toLocaleString('en')} visits, 24 months, in ${ms(t0)}`)

// --hub-only: the live side alone (no fold, no trends): the hub's rows in minutes at 100M.
const hubOnly = process.argv.includes('--hub-only')
let t = performance.now()
if (!hubOnly) {
  await gp.rollups.fold()
  console.log(`review rollups, fold of the whole history: ${ms(t)}`)
  // 10,000 more events (ids after the history's: new reports), the newest of all.
  await synth(N, 10_000, N + 10_000)
  t = performance.now()
  await gp.rollups.fold()
  console.log(`review rollups, a pass after 10,000 more events: ${ms(t)}`)
  const sizes = async () => {
    const rows = await (
      await gp.store.admin.query({
        query: "SELECT table, sum(rows) AS rows, count() AS parts FROM system.parts WHERE active AND database = currentDatabase() AND table IN ('trends_contrib', 'trends_monthly', 'trends_hourly', 'trends_daily', 'visit_week_sets', 'visit_weeks') GROUP BY table ORDER BY table",
        format: 'JSONEachRow',
      })
    ).json<{ table: string; rows: string; parts: string }>()
    return rows.map((r) => `${r.table} ${Number(r.rows).toLocaleString('en')} (${r.parts})`).join(', ')
  }
  console.log(`review rollups, rows (parts): ${await sizes()}`)

  // The DESIGN target's review: 24 months. The city ranks its districts; a district ranks all its streets; a street its communities.
  const review = async (scope: string, rollups: typeof gp.rollups | undefined, runs: number) => {
    const out: string[] = []
    for (let i = 0; i < runs; i++) {
      // A fresh source each time: its 30-second cache would answer repeats without reading.
      const src = trendsSource({ reader: gp.store.reports, rollups, registry: gp.registry, sla: () => slaTable(), tz: 'Asia/Shanghai' })
      const t = performance.now()
      await src.report(scope as never, addMonths(src.currentMonth(), -23), src.currentMonth())
      out.push(ms(t))
    }
    return out.join(', ')
  }
  const SCOPES = ['city', 'district:qingbaijiang', 'street:qingbaijiang.dawan']
  // Right after the bulk fold, while the engine still merges what the views wrote (as after a
  // first start on a big history, or an SLA change, before the maintainer's compaction ends).
  for (const scope of SCOPES) {
    console.log(`monthly trends, 24 months, ${scope}, from rollups, right after the fold: ${await review(scope, gp.rollups, 5)} (first run cold)`)
    // --skip-events: not the report_current path (minutes at 100M, and it only serves until the first fold).
    if (!process.argv.includes('--skip-events')) console.log(`monthly trends, 24 months, ${scope}, from report_current: ${await review(scope, undefined, 2)} (first run cold)`)
  }
  // Then as a store that has run a while: the background merges of the rollup tables done (no
  // merge of them seen in three looks 2 s apart; 15 minutes at most).
  t = performance.now()
  const merging = async () =>
    Number(
      (
        await (
          await gp.store.admin.query({
            query: "SELECT count() AS n FROM system.merges WHERE database = currentDatabase() AND table IN ('trends_contrib', 'trends_monthly', 'trends_hourly', 'trends_daily', 'visit_week_sets', 'visit_weeks')",
            format: 'JSONEachRow',
          })
        ).json<{ n: string }>()
      )[0]!.n,
    )
  for (let quiet = 0; quiet < 3 && performance.now() - t < 15 * 60_000; ) {
    quiet = (await merging()) > 0 ? 0 : quiet + 1
    await new Promise((r) => setTimeout(r, 2_000))
  }
  console.log(`review rollups, background merges after the reviews above: ${(await merging()) > 0 ? 'still running after' : 'done in'} ${ms(t)}; rows (parts) then: ${await sizes()}`)
  for (const scope of SCOPES) console.log(`monthly trends, 24 months, ${scope}, from rollups, merges done: ${await review(scope, gp.rollups, 5)}`)
  // Then as the maintainer leaves them after its compaction (after a fold from the start, and hourly).
  t = performance.now()
  await gp.rollups.compact()
  console.log(`review rollups, compaction (OPTIMIZE … FINAL of the tables a review reads): ${ms(t)}; rows (parts) then: ${await sizes()}`)
  for (const scope of SCOPES) console.log(`monthly trends, 24 months, ${scope}, from rollups, compacted: ${await review(scope, gp.rollups, 5)}`)
}
t = performance.now()
await gp.hub.reload()
console.log(`live hub full load: ${ms(t)} (${gp.hub.stats.lastFullLoadRows.toLocaleString('en')} reports read, ${gp.hub.stats.reportsInMemory.toLocaleString('en')} in memory)`)
const ticks: string[] = []
for (let i = 0; i < 5; i++) {
  t = performance.now()
  await gp.hub.refresh({ windows: false })
  ticks.push(ms(t))
}
console.log(`live ticks: ${ticks.join(', ')}`)
await gp.hub.refresh()
console.log(`live window figures: ${Math.round(gp.hub.stats.lastWindowsMs)} ms`)
gp.hub.start()
for (const count of SOCKETS) {
  const f = await measurePush(gp, { count, rate: 2_000, seconds: 10, key: KEY, token: TOKEN })
  const r = (n: number) => Math.round(n).toLocaleString('en')
  console.log(
    `walls ${r(count)}: subscribe (snapshot) p50 ${r(f.subscribeP50)} ms, p99 ${r(f.subscribeP99)} ms; ingest ${r(f.sent)} events/s: push p50 ${r(f.pushP50)} ms, p99 ${r(f.pushP99)} ms (from the tick's start: p50 ${r(f.tickP50)} ms, p99 ${r(f.tickP99)} ms); compute p50 ${r(f.computeP50)} ms; ticks ${f.computes}, skipped ${f.skippedTicks}; patches ${r(f.patches)}, gaps ${f.gaps}; RSS ${r(f.rssMiB)} MiB`,
  )
}
await gp.close()
fs.rmSync(dataDir, { recursive: true, force: true })
process.exit(0)
