/**
 * Push latency with many walls: `measurePush` connects `count` sockets (bench/walls.mjs, a child
 * process) spread over the city, its districts and streets, then sends `rate` events/s for
 * `seconds`: TODAY_RATE of them today's new reports spread over the micro-grids (a peak hour of
 * a big city's live flow: ~70k reports an hour, where Chengdu's hotline sees tens of thousands a
 * day), the rest reports from a month ago, each reported and closed an hour later (a backfill or
 * a catching-up source: stored and read by every tick, but closed and old, so not kept in the
 * hub's memory). Reports:
 * subscribe latency (the snapshot answer); push latency p50/p99, from the moment a tick's
 * figures are computed (its diffs and emits to come) to a wall holding its patch; the same from
 * the tick's `asOf` (its store reads and compute included); patches received, seq gaps, and
 * ticks skipped meanwhile. Used by `npm run bench`
 * and `npm run bench:scale`; figures are printed, never asserted.
 */
import { fork, type ChildProcess } from 'node:child_process'
import type { GridPulse } from '../server/gridpulse.ts'
import { CATEGORIES } from '../ingest/schema.ts'

export interface PushFigures {
  sockets: number
  rate: number
  /** Events/s actually sent (the sender may fall behind on a loaded machine). */
  sent: number
  subscribeP50: number
  subscribeP99: number
  pushP50: number
  pushP99: number
  /** From the tick's start (asOf: its store reads and compute included) to the wall. */
  tickP50: number
  tickP99: number
  patches: number
  gaps: number
  skippedTicks: number
  computes: number
  /** The hub's compute time (store reads, figures, snapshots, diffs) sampled during the run: p50. */
  computeP50: number
  /** The server's resident memory with the sockets connected, MiB. */
  rssMiB: number
}

/** Today's new reports per second within the rate. */
const TODAY_RATE = 20

export const pct = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: T & { error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m)))
    child.send(msg)
  })
}

/** Walls in a child process (bench/walls.mjs), subscribed and ready to record. */
export interface Walls {
  subscribeMs: number[]
  /** Starts recording patch arrivals. */
  measure(): Promise<void>
  /** Stops recording: each patch's [asOf, arrival] (ms since epoch), patches and seq gaps. */
  report(): Promise<{ arrivals: Array<[number, number]>; patches: number; gaps: number }>
  close(): void
}

export async function connectWalls(url: string, token: string, scopes: readonly string[], count: number): Promise<Walls> {
  const child = fork(new URL('./walls.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  try {
    const { subscribeMs } = await ask<{ subscribeMs: number[] }>(child, { cmd: 'connect', url, token, scopes, count })
    return {
      subscribeMs,
      measure: () => ask(child, { cmd: 'measure' }),
      report: () => ask(child, { cmd: 'report' }),
      close: () => {
        if (child.connected) child.send({ cmd: 'close' })
      },
    }
  } catch (e) {
    child.kill()
    throw e
  }
}

/** The scopes walls watch: the city, its districts and streets. */
export const wallScopes = (places: ReadonlyArray<{ level: string; code: string }>): string[] => ['city', ...places.filter((p) => p.level === 'district' || p.level === 'street').map((p) => `${p.level}:${p.code}`)]

/**
 * NDJSON bodies for `seconds` of load at `rate` events/s, ten a second, built up front so the
 * sender's own work stays small (see the file's comment for what they hold). Today's reports
 * carry the placeholder "TODAY", dated by `sendPaced` when their body goes.
 */
export function loadBodies(microGrids: readonly string[], rate: number, seconds: number, tag: string): { bodies: string[]; perBody: number } {
  const perBody = Math.max(1, Math.round(rate / 10))
  const todayPerBody = Math.min(perBody, Math.round(TODAY_RATE / 10))
  const monthAgo = Date.now() - 30 * 86_400_000
  let n = 0
  const body = () =>
    Array.from({ length: perBody }, (_, i) => {
      const k = ++n
      const mg = microGrids[(k * 7919) % microGrids.length]!
      const category = CATEGORIES[k % CATEGORIES.length]!
      if (i < todayPerBody) return JSON.stringify({ event_id: `P${tag}-${k}`, report_id: `P${tag}-${k}`, type: 'reported', at: 'TODAY', micro_grid: mg, category, channel: 'app', reporter_role: 'grid_worker' })
      const report = `B${tag}-${k >> 1}`
      const closing = k % 2 === 1
      const at = new Date(monthAgo + (k >> 1) * 10 + (closing ? 3_600_000 : 0)).toISOString()
      return JSON.stringify({ event_id: `${report}-${closing ? 'c' : 'r'}`, report_id: report, type: closing ? 'closed' : 'reported', at, micro_grid: mg, category, channel: 'app', reporter_role: 'grid_worker' })
    }).join('\n')
  return { bodies: Array.from({ length: seconds * 10 }, body), perBody }
}

/** Posts the bodies ten a second (later if the server is slower); returns the events/s sent. */
export async function sendPaced(url: string, key: string, load: { bodies: string[]; perBody: number }): Promise<number> {
  const started = performance.now()
  for (let k = 0; k < load.bodies.length; k++) {
    const body = load.bodies[k]!.replaceAll('"TODAY"', JSON.stringify(new Date(Date.now() - 1000).toISOString()))
    const res = await fetch(`${url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body })
    if (!res.ok) throw new Error(`ingest ${res.status}: ${await res.text()}`)
    await res.text()
    const due = started + ((k + 1) / 10) * 1000
    await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
  }
  return (load.bodies.length * load.perBody) / ((performance.now() - started) / 1000)
}

export async function measurePush(gp: GridPulse, opts: { count: number; rate: number; seconds: number; key: string; token: string }): Promise<PushFigures> {
  const registry = gp.registry()
  const micro = registry.places.filter((p) => p.level === 'micro_grid').map((p) => p.code)
  const walls = await connectWalls(gp.url, opts.token, wallScopes(registry.places), opts.count)
  try {
    const load = loadBodies(micro, opts.rate, opts.seconds, `${process.pid}-${opts.count}`)
    const skippedBefore = gp.hub.stats.skippedTicks
    const computesBefore = gp.hub.stats.computes
    await walls.measure()
    const computeMs: number[] = []
    const pushFrom = new Map<number, number>()
    // Ticks are at least LIVE_TICK_MS (250 ms) apart: sampling every 20 ms sees each one.
    const sampler = setInterval(() => {
      computeMs.push(gp.hub.stats.lastComputeMs)
      pushFrom.set(gp.hub.stats.lastTick.asOf, gp.hub.stats.lastTick.pushFrom)
    }, 20)
    const sent = await sendPaced(gp.url, opts.key, load)
    // The last events' ticks: let them reach the walls.
    await new Promise((r) => setTimeout(r, 1500))
    clearInterval(sampler)
    const rssMiB = process.memoryUsage().rss / 2 ** 20
    const { arrivals, patches, gaps } = await walls.report()
    const push = arrivals.flatMap(([asOf, at]) => (pushFrom.has(asOf) ? [at - pushFrom.get(asOf)!] : []))
    const tick = arrivals.map(([asOf, at]) => at - asOf)
    return {
      sockets: opts.count,
      rate: opts.rate,
      sent,
      subscribeP50: pct(walls.subscribeMs, 50),
      subscribeP99: pct(walls.subscribeMs, 99),
      pushP50: pct(push, 50),
      pushP99: pct(push, 99),
      tickP50: pct(tick, 50),
      tickP99: pct(tick, 99),
      patches,
      gaps,
      skippedTicks: gp.hub.stats.skippedTicks - skippedBefore,
      computes: gp.hub.stats.computes - computesBefore,
      computeP50: pct(computeMs, 50),
      rssMiB,
    }
  } finally {
    walls.close()
  }
}
