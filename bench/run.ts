/**
 * `npm run bench`: measures, in one run, side by side:
 *  - ingest over HTTP (batched NDJSON, validation on) vs the raw engine insert of the same rows;
 *  - the live tick (all scopes) compute time;
 *  - freshness: 2xx → a Socket.IO client sees today.reported change.
 * Prints a Markdown table; `--write` also replaces the figures section of BENCHMARKS.md.
 * `--quick` uses fewer rows. Figures are printed, never asserted.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import { loadConfig } from '../server/config.ts'
import { startGridPulse } from '../server/gridpulse.ts'
import { createLogger } from '../server/log.ts'
import { chTime } from '../sql/queries.ts'
import { DISPLAY_TOKEN, liveClient } from '../tests/support/app.ts'
import { CATEGORIES } from '../ingest/schema.ts'

const quick = process.argv.includes('--quick')
const write = process.argv.includes('--write')
const ROWS = quick ? 50_000 : 200_000
const CHUNK = 10_000
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

const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-bench-'))
  const gp = await startGridPulse(
    loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', GRIDPULSE_INGEST_KEY: KEY, GRIDPULSE_DISPLAY_TOKEN: DISPLAY_TOKEN }, {}),
    createLogger('bench', true),
  )
  const micro = gp.registry().places.filter((p) => p.level === 'micro_grid').map((p) => p.code)
  const now = Date.now()
  const makeEvents = (prefix: string) =>
    Array.from({ length: ROWS }, (_, i) => ({
      event_id: `${prefix}-${i}`,
      report_id: `${prefix}-R${i}`,
      type: 'reported',
      at: new Date(now - 86_400_000 * 30 + (i % 2_000_000) * 1000).toISOString(),
      micro_grid: micro[i % micro.length]!,
      category: CATEGORIES[i % CATEGORIES.length]!,
      channel: 'app',
      reporter_role: i % 4 === 0 ? 'mobile_worker' : 'grid_worker',
      severity: 1,
      note: '楼道堆放杂物，影响通行',
    }))

  // 1. Ingest over HTTP: chunks of NDJSON, two requests in flight (group commit joins them).
  const httpEvents = makeEvents('H')
  const bodies: string[] = []
  for (let i = 0; i < ROWS; i += CHUNK) bodies.push(httpEvents.slice(i, i + CHUNK).map((e) => JSON.stringify(e)).join('\n'))
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    [0, 1].map(async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!
        const res = await fetch(`${gp.url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-ndjson' }, body })
        if (!res.ok) throw new Error(`ingest ${res.status}: ${await res.text()}`)
        await res.text()
      }
    }),
  )
  const httpSec = (performance.now() - t0) / 1000

  // 2. Raw engine insert of the same rows (already enriched), same table, same batch size.
  const rawRows = makeEvents('W').map((e) => {
    const p = gp.registry().microGridPath(e.micro_grid)!
    return { ...e, ...p, at: chTime(Date.parse(e.at)), received_at: chTime(now), department: '', lat: null, lon: null, source: 'bench' }
  })
  const t1 = performance.now()
  for (let i = 0; i < ROWS; i += CHUNK) {
    await gp.store.writer.insert({ table: 'report_events', values: rawRows.slice(i, i + CHUNK), format: 'JSONEachRow' })
  }
  const rawSec = (performance.now() - t1) / 1000

  // 3. Live tick: every scope from the grouped queries.
  const ticks: number[] = []
  for (let i = 0; i < 10; i++) {
    const s = performance.now()
    await gp.hub.refresh()
    ticks.push(performance.now() - s)
  }

  // 4. Freshness: 2xx → socket client sees the counter move.
  const skippedBefore = gp.hub.stats.skippedTicks
  const client = await liveClient(gp.url, 'city')
  const fresh: number[] = []
  for (let i = 0; i < (quick ? 15 : 40); i++) {
    const before = client.current().today.reported
    const ev = { ...makeEvents(`F${i}`)[0]!, at: new Date(Date.now() - 1000).toISOString() }
    const res = await fetch(`${gp.url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(ev) })
    await res.text()
    const acked = performance.now()
    await client.waitFor((s) => s.today.reported > before, 10_000)
    fresh.push(performance.now() - acked)
  }
  client.socket.close()
  const skipped = gp.hub.stats.skippedTicks - skippedBefore
  await gp.close()
  fs.rmSync(dataDir, { recursive: true, force: true })

  const bundle = initialJsGzip()
  const httpRate = ROWS / httpSec
  const rawRate = ROWS / rawSec
  const table = [
    `| measure | figure | target (DESIGN §6) |`,
    `| --- | --- | --- |`,
    `| ingest over HTTP, NDJSON ×${fmt(CHUNK)}, validation on (${fmt(ROWS)} events) | ${fmt(httpRate)} events/s | ≥ 150,000 events/s |`,
    `| raw engine insert of the same rows (@clickhouse/client → chdb) | ${fmt(rawRate)} events/s | — |`,
    `| ratio HTTP / raw | ${fmt(httpRate / rawRate, 2)}× | ≥ 0.5× |`,
    `| live tick, all scopes, ${fmt(ROWS * 2)} stored reports: p50 / max | ${fmt(pct(ticks, 50), 1)} ms / ${fmt(Math.max(...ticks), 1)} ms | snapshot ≤ 50 ms at 100M |`,
    `| freshness 2xx → socket sees today.reported (no background load yet): p50 / p99 | ${fmt(pct(fresh, 50), 0)} ms / ${fmt(pct(fresh, 99), 0)} ms | p99 ≤ 1 s under 5k events/s |`,
    `| live ticks skipped while a compute ran (freshness phase) | ${skipped} | none skipped |`,
    bundle
      ? `| dashboard initial JS, gzip (${bundle.files} file${bundle.files > 1 ? 's' : ''}) | ${fmt(bundle.bytes / 1024, 1)} KB | ≤ 600 KB |`
      : `| dashboard initial JS, gzip | not built (run \`npm run build\`) | ≤ 600 KB |`,
  ].join('\n')
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${fmt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`
  const report = `Machine: ${machine}. Command: \`npm run bench${quick ? ' -- --quick' : ''}\`.\n\n${table}\n`
  console.log(report)
  if (write) {
    const file = path.resolve('BENCHMARKS.md')
    const text = fs.readFileSync(file, 'utf8')
    const start = '<!-- bench:start -->'
    const end = '<!-- bench:end -->'
    fs.writeFileSync(file, text.replace(new RegExp(`${start}[\\s\\S]*${end}`), `${start}\n${report}${end}`))
    console.log(`written to ${file}`)
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
