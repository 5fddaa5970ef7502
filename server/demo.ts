/**
 * Demo mode (GRIDPULSE_DEMO=1): the simulator is just another ingest source. It gets its own
 * ingest key and sends NDJSON to this server's own HTTP routes, so demo data takes exactly the
 * path a real source's data takes. On first start it backfills history; after a restart it
 * fills the gap since the last event and resumes the reports still open.
 */
import type { Config } from './config.ts'
import type { Store } from '../sql/store.ts'
import type { KeyStore } from './auth/keys.ts'
import { newSecret } from './auth/keys.ts'
import type { Registry } from '../ingest/registry/registry.ts'
import type { Logger } from './log.ts'
import { parseChTime, sql } from '../sql/queries.ts'
import { createSimulator, type OpenReport, type SimSink } from '../ingest/simulator/index.ts'

export interface DemoHandle {
  /** Settles when the backfill (or gap fill) has been sent and acknowledged. */
  backfilled: Promise<void>
  stop(): Promise<void>
}

const MONTH_MS = 30.44 * 86_400_000

class DemoStopped extends Error {
  constructor() {
    super('the demo was stopped')
  }
}

/**
 * Keeps up to `window` sends in flight: while the server validates one batch the store inserts
 * the previous one. `send` resolves when there is room; `flush` waits for all and rethrows the
 * first failure (a failure also surfaces on the next `send`), so nothing fails silently.
 */
export function windowedSink(inner: SimSink, window: number): SimSink & { flush(): Promise<void> } {
  const inFlight = new Set<Promise<unknown>>()
  let failure: unknown
  const check = () => {
    if (failure !== undefined) throw failure
  }
  return {
    async send(kind, rows) {
      check()
      while (inFlight.size >= window) await Promise.race(inFlight)
      check()
      const p: Promise<unknown> = inner.send(kind, rows).then(
        () => inFlight.delete(p),
        (e: unknown) => {
          inFlight.delete(p)
          failure ??= e
        },
      )
      inFlight.add(p)
    },
    async flush() {
      await Promise.all(inFlight)
      check()
    },
  }
}

/** Sends simulator batches to the ingest routes; retries while the server says "later". */
export function httpSink(baseUrl: string, key: string): SimSink {
  return {
    async send(kind, rows) {
      const body = rows.map((r) => JSON.stringify(r)).join('\n')
      for (let attempt = 0; ; attempt++) {
        const res = await fetch(`${baseUrl}/api/v1/${kind}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
          body,
        })
        const text = await res.text()
        if (res.ok) return JSON.parse(text) as unknown
        if ((res.status === 429 || res.status === 503) && attempt < 10) {
          const wait = Number(res.headers.get('retry-after') ?? '1') * 1000
          await new Promise((r) => setTimeout(r, Math.min(wait, 10_000)))
          continue
        }
        throw new Error(`ingest answered ${res.status}: ${text.slice(0, 500)}`)
      }
    },
  }
}

interface LastEvents {
  report_events: string | number
  reports_max_at: string
  visit_events: string | number
  visits_max_at: string
}

interface OpenRow {
  report_id: string
  micro_grid: string
  category: string
  reported_at: string
  verified_at: string | null
  dispatched_at: string | null
  resolved_at: string | null
}

export async function startDemo(deps: { config: Config; store: Store; keys: KeyStore; registry: Registry; url: string; log: Logger }): Promise<DemoHandle> {
  const { config, store, log } = deps
  const secret = newSecret('ingest')
  await deps.keys.put({ id: 'demo-simulator', kind: 'ingest', name: 'demo simulator', scope: 'city' }, secret)

  const last = (await (await store.admin.query({ query: sql('last_event_at'), format: 'JSONEachRow' })).json<LastEvents>())[0]!
  const now = Date.now()
  const empty = Number(last.report_events) === 0 && Number(last.visit_events) === 0
  // From the stream that reaches least far: a replayed range has the same event ids (the history
  // is deterministic), so the overlap dedupes instead of counting twice. Never further back than
  // a first start would go.
  const reaches = [parseChTime(last.reports_max_at), parseChTime(last.visits_max_at)].filter((t): t is number => t !== null && t > 0)
  const earliest = now - config.demoBackfillMonths * MONTH_MS
  const from = empty || reaches.length === 0 ? earliest : Math.min(Math.max(Math.min(...reaches) + 1, earliest), now)

  let stopped = false
  const liveSink = httpSink(deps.url, secret)
  const backfillSink = windowedSink(
    {
      // Stopping during a first start's backfill ends it at the next batch, not an hour later.
      send: (kind, rows) => (stopped ? Promise.reject(new DemoStopped()) : liveSink.send(kind, rows)),
    },
    3,
  )
  let backfilling = true
  const sim = createSimulator({
    places: deps.registry.places as never,
    tz: config.tz,
    // The same seed every start: history is a function of (seed, day), so a gap fill continues
    // the same world (households, workers) and a replayed range dedupes to the same event ids.
    seed: config.demoSeed,
    speed: config.demoSpeed,
    sink: {
      // History goes through a window of concurrent sends; the live stream is sent one at a time.
      send: (kind, rows) => (backfilling ? backfillSink.send(kind, rows) : liveSink.send(kind, rows)),
    },
    batchSize: config.ingest.flushRows,
  })

  if (!empty) {
    const rs = await store.admin.query({ query: sql('open_reports'), query_params: { limit: 100_000 }, format: 'JSONEachRow' })
    const open: OpenReport[] = (await rs.json<OpenRow>()).map((r) => ({
      reportId: r.report_id,
      microGrid: r.micro_grid,
      category: r.category,
      reportedAt: parseChTime(r.reported_at) ?? now,
      verifiedAt: parseChTime(r.verified_at),
      dispatchedAt: parseChTime(r.dispatched_at),
      resolvedAt: parseChTime(r.resolved_at),
    }))
    sim.resume(open)
    log.info('demo resumed open reports', { open: open.length })
  }

  const backfilled = (async () => {
    if (now - from < 60_000) return
    const started = Date.now()
    log.info(empty ? 'demo backfill started' : 'demo gap fill started', { from: new Date(from).toISOString() })
    const counts = await sim.backfill(from, now)
    await backfillSink.flush()
    log.info('demo backfill done', { ...counts, seconds: (Date.now() - started) / 1000 })
  })()
  const started = backfilled.finally(() => (backfilling = false)).then(
    () => {
      if (!stopped) sim.start()
    },
    (e: unknown) => {
      if (e instanceof DemoStopped) log.info('demo backfill stopped')
      else log.error('demo backfill failed', { error: String(e) })
    },
  )
  return {
    backfilled,
    async stop() {
      stopped = true
      await started
      await sim.stop()
    },
  }
}
