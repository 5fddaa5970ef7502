/**
 * `npm run ingest`: the ingest service as its own process, for the scaled setup (DESIGN §1):
 * `POST /api/v1/reports|visits`, `/healthz`, `/metrics`, nothing else. It shares the store
 * with the servers through CLICKHOUSE_URL (a ClickHouse server, or `npm run store`), keeps its
 * own spool in DATA_DIR, and follows the registry and ingest keys the servers manage (reloaded
 * every few seconds, so a revoked key stops working here too).
 */
import http from 'node:http'
import { pathToFileURL } from 'node:url'
import type { AddressInfo } from 'node:net'
import express from 'express'
import helmet from 'helmet'
import { Registry as MetricsRegistry } from 'prom-client'
import { ConfigError, loadConfig, type Config } from '../server/config.ts'
import { startOrExit, stopOnSignals } from '../server/process.ts'
import { createLogger, type Logger } from '../server/log.ts'
import { Audit } from '../server/auth/audit.ts'
import { Auth } from '../server/auth/http.ts'
import { KeyStore } from '../server/auth/keys.ts'
import { SessionStore } from '../server/auth/sessions.ts'
import { UserStore } from '../server/auth/users.ts'
import { errorHandler } from '../server/routes/errors.ts'
import { ingestRoutes, REQUEST_TIMEOUT_MS } from '../server/routes/ingest.ts'
import { metricsRoute } from '../server/routes/metrics.ts'
import { readMigrations } from '../sql/migrate.ts'
import { sql } from '../sql/queries.ts'
import { createStore, type Store } from '../sql/store.ts'
import { Ingest, ingestOptions } from './pipeline.ts'
import { Registry } from './registry/registry.ts'
import { loadPlaces } from './registry/store.ts'
import { Cluster } from '../server/cluster/cluster.ts'

/** How often the registry and keys are read again from the store. */
const RELOAD_MS = 5_000

export interface IngestService {
  url: string
  ingest: Ingest
  close(): Promise<void>
}

/** Waits until the servers have migrated the store to this code's schema (ingest never migrates). */
async function waitForSchema(store: Store, log: Logger): Promise<void> {
  const want = Math.max(...readMigrations().map((m) => m.version))
  for (let attempt = 0; ; attempt++) {
    try {
      const rs = await store.admin.query({ query: 'SELECT max(version) AS v FROM schema_migrations', format: 'JSONEachRow' })
      const [row] = await rs.json<{ v: number }>()
      if (Number(row?.v) >= want) return
      if (attempt % 10 === 0) log.warn('waiting for a GridPulse server to migrate the store', { have: row?.v, want })
    } catch (e) {
      if (attempt % 10 === 0) log.warn('waiting for the store', { error: String((e as Error).message ?? e) })
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
}

export async function startIngestService(config: Config, log: Logger): Promise<IngestService> {
  if (!config.clickhouseUrl) {
    throw new ConfigError('CLICKHOUSE_URL', 'must be set for `npm run ingest`: ingest as its own process shares the store with the servers (a ClickHouse server, or `npm run store`)')
  }
  const store = await createStore(config)
  // With REDIS_URL the servers' walls show new reports in their ticker at once, and a revoked key
  // stops working here at once (not at the next reload).
  const cluster = config.redisUrl
    ? await Cluster.connect({ url: config.redisUrl, log }).catch(async (e: unknown) => {
        await store.close()
        throw e
      })
    : undefined
  await waitForSchema(store, log)
  let registry = new Registry(await loadPlaces(store.admin))
  if (registry.size === 0) log.warn('the registry is empty: every event is rejected until a server imports one')
  const keys = new KeyStore(store.admin)
  const users = new UserStore(store.admin)
  const sessions = new SessionStore(store.admin)
  await Promise.all([keys.load(), users.load(), sessions.load()])
  const audit = new Audit(store.admin, log)
  const auth = new Auth({ users, sessions, keys, audit, registry: () => registry })
  const metrics = new MetricsRegistry()
  const ingest = await Ingest.open(ingestOptions(config, { store, registry, metrics, log }))
  if (cluster) {
    ingest.onTicker((items) => cluster.publish('ingest', { ticker: [...items] }))
    cluster.on('changed', ({ what }) => {
      if (what === 'keys') void keys.load().catch(() => undefined)
    })
  }

  // The servers own keys and the registry: follow their changes. A store that is away only
  // delays this; ingest goes on with what it has.
  let reloading = false
  const placesVersion = async () => JSON.stringify(await (await store.admin.query({ query: sql('places_version'), format: 'JSONEachRow' })).json())
  let seenPlaces = await placesVersion()
  const reload = setInterval(() => {
    if (reloading) return
    reloading = true
    const followRegistry = async () => {
      // A small query each time; the registry itself only when an import changed it.
      const version = await placesVersion()
      if (version === seenPlaces) return
      const places = await loadPlaces(store.admin)
      seenPlaces = version
      if (places.length === 0) return
      registry = new Registry(places)
      ingest.setRegistry(registry)
      log.info('registry reloaded', { places: places.length })
    }
    Promise.all([keys.load(), followRegistry()])
      .catch(() => undefined)
      .finally(() => (reloading = false))
  }, RELOAD_MS)
  reload.unref()

  const app = express()
  app.disable('x-powered-by')
  app.use(helmet())
  let ready = false
  app.get('/healthz', (_req, res) => {
    if (!ready) return void res.status(503).json({ ok: false, error: 'starting' })
    const h = ingest.health()
    res.status(h.ok ? 200 : 503).json(h.ok ? { ok: true } : { ok: false, error: h.problems.join('; ') })
  })
  app.get('/metrics', metricsRoute(metrics, config.metricsToken))
  app.use('/api', auth.middleware())
  app.use(ingestRoutes({ ingest, isReady: () => ready, maxBodyBytes: config.ingest.maxBodyBytes }))
  app.use((_req, res) => {
    res.status(404).json({ error: 'no such route: this is the ingest service (POST /api/v1/reports, /api/v1/visits)' })
  })
  app.use(errorHandler(log, config.ingest.maxBodyBytes))
  // A stalled upload holds ingest's memory until then (Node's default: 300 s).
  const server = http.createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, app)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  ready = true
  const url = `http://localhost:${(server.address() as AddressInfo).port}`
  return {
    url,
    ingest,
    async close() {
      ready = false
      clearInterval(reload)
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await ingest.close()
      await cluster?.close()
      await audit.flush()
      await store.close()
    },
  }
}

async function main(): Promise<void> {
  const log = createLogger('ingest')
  const service = await startOrExit(() => startIngestService(loadConfig(), log), log)
  console.log(`GridPulse ingest is running: ${service.url}/api/v1/reports and /api/v1/visits`)
  stopOnSignals(() => service.close(), log, 15_000)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
