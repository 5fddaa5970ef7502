/**
 * Starts the whole product in one process: store → migrations → registry → keys → app →
 * listen → (demo) backfill and live simulator. `npm start` and the integration tests both
 * call `startGridPulse`, so what is tested is what runs.
 */
import type { AddressInfo } from 'node:net'
import type { Config } from './config.ts'
import { createStore, type Store } from '../sql/store.ts'
import { migrate } from '../sql/migrate.ts'
import { Registry } from '../ingest/registry/registry.ts'
import { loadPlaces, replaceRegistry, savePlaces } from '../ingest/registry/store.ts'
import { demoRegistry } from '../ingest/registry/demo.ts'
import { demoBoundaries } from '../ingest/registry/demo-boundaries.ts'
import { boundariesVersion, saveBoundaries } from '../ingest/registry/boundary-store.ts'
import type { Place } from './contracts/registry.ts'
import type { ClickHouseClient } from '@clickhouse/client'
import { Registry as MetricsRegistry } from 'prom-client'
import { Ingest, ingestOptions } from '../ingest/pipeline.ts'
import { KeyStore } from './auth/keys.ts'
import { UserStore } from './auth/users.ts'
import { SessionStore } from './auth/sessions.ts'
import { Audit } from './auth/audit.ts'
import { Auth } from './auth/http.ts'
import { LoginThrottle } from './auth/throttle.ts'
import { bootstrapAccounts, type FirstStart } from './auth/bootstrap.ts'
import { LiveHub, registerHubMetrics } from './live/hub.ts'
import { SlaStore } from './sla.ts'
import { createApp } from './app.ts'
import { createLogger, type Logger } from './log.ts'
import { GeoService } from './geo.ts'
import { trendsSource } from './trends/report.ts'
import { TrendsRollups, registerRollupMetrics } from './trends/rollups.ts'
import { SqlConsole } from './console/runner.ts'
import { startDemo, type DemoHandle } from './demo.ts'
import { Cluster } from './cluster/cluster.ts'
import { joinCluster, liveRelay } from './cluster/wire.ts'

export interface GridPulse {
  url: string
  port: number
  store: Store
  ingest: Ingest
  hub: LiveHub
  rollups: TrendsRollups
  /** Scaled out (REDIS_URL): what the replicas share; undefined on its own. */
  cluster: Cluster | undefined
  /** The SLA in force (admins change it). */
  sla: SlaStore
  registry: () => Registry
  /** Secrets made at this start, to print once. */
  firstStart: FirstStart
  demo: DemoHandle | undefined
  close(): Promise<void>
}

export interface StartOptions {
  /** The clock of ingest checks and live figures (ms); tests pin "today" with it. */
  now?: () => number
}

export async function startGridPulse(config: Config, log: Logger = createLogger('gridpulse'), opts: StartOptions = {}): Promise<GridPulse> {
  const store = await createStore(config)
  let cluster: Cluster | undefined
  try {
    cluster = config.redisUrl ? await Cluster.connect({ url: config.redisUrl, leaseMs: config.leaseMs, log }) : undefined
    return await startOn(store, cluster, config, log, opts)
  } catch (e) {
    // A refused start (a bad schema, no admin password in production…) leaves nothing open:
    // closing the cluster also gives up a lock this start held.
    await cluster?.close().catch(() => undefined)
    await store.close().catch(() => undefined)
    throw e
  }
}

async function startOn(store: Store, cluster: Cluster | undefined, config: Config, log: Logger, opts: StartOptions): Promise<GridPulse> {
  // Replicas starting together take turns to migrate and create the first accounts.
  const releaseSetup = await cluster?.lock('setup')
  const applied = await migrate(store.admin)
  if (applied.length > 0) log.info('migrations applied', { versions: applied })

  let places = await loadPlaces(store.admin)
  if (places.length === 0 && config.demo !== 'off') {
    places = demoRegistry(config.demoSeed)
    await savePlaces(store.admin, places)
    log.info('demo registry created', { places: places.length })
  }
  if (config.demo !== 'off') await writeDemoBoundaries(store.admin, places, config.demoSeed, log)
  let registry = new Registry(places)
  const getRegistry = () => registry
  if (registry.size === 0) log.warn('the registry is empty: import one with `npm run registry:import -- file.csv`; every event is rejected until then')

  const keys = new KeyStore(store.admin)
  const users = new UserStore(store.admin)
  const sessions = new SessionStore(store.admin)
  const sla = new SlaStore(store.admin)
  await Promise.all([keys.load(), users.load(), sessions.load(), sla.load()])
  const firstStart = await bootstrapAccounts(config, users, keys, registry)
  await releaseSetup?.()
  const audit = new Audit(store.admin, log)
  const auth = new Auth({ users, sessions, keys, audit, registry: getRegistry })

  const metrics = new MetricsRegistry()
  const ingest = await Ingest.open(ingestOptions(config, { store, registry, metrics, log, now: opts.now }))
  const hub = new LiveHub({
    reader: store.reader,
    registry: getRegistry,
    sla: () => sla.table(),
    tz: config.tz,
    tickMs: config.live.tickMs,
    idleRecomputeMs: config.live.idleRecomputeMs,
    windowMs: config.live.windowMs,
    windowsReader: store.reports,
    sharedStore: store.engine === 'server',
    settledBefore: store.settledBefore,
    relay: cluster && liveRelay(cluster, config.leaseMs, config.live.tickMs),
    log,
    now: opts.now,
  })
  registerHubMetrics(metrics, hub)
  // GRIDPULSE_ROLLUPS=0: never fold here, read what the maintainer folds. Scaled out, the
  // holder of the rollup lease folds.
  const rollupLease = !config.rollups ? { held: () => false, term: 0 } : cluster?.rollups
  const rollups = new TrendsRollups({ client: store.rollups, tz: config.tz, sla: () => sla.table(), lease: rollupLease, compactEveryMs: config.rollupCompactMs, log })
  registerRollupMetrics(metrics, rollups)
  ingest.onTicker((items) => hub.onTicker(items))
  ingest.onStored(() => hub.markDirty())
  await hub.seedTicker()

  const reloadRegistry = async () => {
    registry = new Registry(await loadPlaces(store.admin))
    ingest.setRegistry(registry)
    await hub.refresh()
  }

  let ready = false
  const { server, io, dropEndedSockets } = createApp({
    ingest,
    hub,
    auth,
    throttle: new LoginThrottle(),
    sla,
    importRegistry: async (next) => {
      await replaceRegistry(store.admin, next)
      // Before waiting for the wall: the replica that computes must read it too.
      cluster?.publish('changed', { what: 'registry' })
      await reloadRegistry()
    },
    registry: getRegistry,
    geo: new GeoService(store.reader, getRegistry),
    sqlConsole: new SqlConsole({ client: store.analyst, admin: store.admin, engine: store.engine, log }),
    consoleStore: store.admin,
    trends: trendsSource({ reader: store.reports, rollups, registry: getRegistry, sla: () => sla.table(), tz: config.tz, now: opts.now }),
    maxBodyBytes: config.ingest.maxBodyBytes,
    metrics,
    metricsToken: config.metricsToken,
    pdfFont: config.pdfFont,
    secureCookies: config.production,
    dashboardDir: config.dashboardDir,
    isReady: () => ready,
    ioAdapter: cluster?.adapter(),
    log,
  })
  const membership =
    cluster && joinCluster({ cluster, hub, ingest, users, keys, sessions, sla, reloadRegistry, dropEnded: dropEndedSockets, log })
  if (cluster) {
    // Before the first subscribe: the first replica up leads from its first tick.
    await cluster.live.start()
    if (config.rollups) void cluster.rollups.start()
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  rollups.start()
  const url = `http://localhost:${port}`
  ready = true

  let demo: DemoHandle | undefined
  if (config.demo === 'full') {
    demo = await startDemo({ config, store, keys, registry, url, log })
    // A backfill brings months of history at once: read the wall's 7-day figures as soon as it
    // is stored, not at the next minute.
    demo.backfilled.then(
      () => ingest.drain().then(() => hub.refresh()),
      () => undefined,
    ).catch((e: unknown) => log.warn('refreshing the wall after the backfill failed', { error: String(e) }))
  }

  let closed = false
  return {
    url,
    port,
    store,
    ingest,
    hub,
    rollups,
    cluster,
    sla,
    registry: getRegistry,
    firstStart,
    demo,
    async close() {
      if (closed) return
      closed = true
      ready = false
      await demo?.stop()
      membership?.stop()
      await hub.stop()
      // Another replica leads the wall at once, not after the lease's TTL.
      await cluster?.live.stop()
      // This replica's sockets only: the others' walls stay (the adapter would reach them too).
      io.local.disconnectSockets(true)
      await new Promise<void>((resolve) => {
        io.close(() => resolve())
        server.closeAllConnections()
      })
      // After the server stops answering: a fold under way may take a while to end.
      await rollups.stop()
      // Gives the leases up: another replica leads at once, not after their TTL.
      await cluster?.close()
      await ingest.close().catch((e: unknown) => log.error('closing ingest failed', { error: String(e) }))
      await audit.flush()
      await store.close()
    },
  }
}

/**
 * The demo registry's boundaries, written once: with a new demo registry, or on a demo store
 * from before migration 007. Never over any stored boundary (an operator may have imported
 * real ones), nor for a registry that is not the demo's (its boundaries would be made up).
 */
async function writeDemoBoundaries(client: ClickHouseClient, places: readonly Place[], seed: number, log: Logger): Promise<void> {
  if ((await boundariesVersion(client)).rows > 0) return
  const demo = new Set(demoRegistry(seed).map((p) => p.code))
  if (places.length !== demo.size || !places.every((p) => demo.has(p.code))) return
  const boundaries = demoBoundaries(places)
  await saveBoundaries(client, boundaries, 'demo')
  log.info('demo boundaries created', { places: boundaries.length })
}
