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
import { loadPlaces, savePlaces } from '../ingest/registry/store.ts'
import { demoRegistry } from '../ingest/registry/demo.ts'
import { Ingest, type ReportRow } from '../ingest/pipeline.ts'
import { KeyStore, newSecret } from './auth/keys.ts'
import { LiveHub } from './live/hub.ts'
import { slaTable } from './sla.ts'
import { createApp } from './app.ts'
import { createLogger, type Logger } from './log.ts'
import { startDemo, type DemoHandle } from './demo.ts'

export interface GridPulse {
  url: string
  port: number
  store: Store
  ingest: Ingest
  hub: LiveHub
  registry: () => Registry
  /** Secret of the ingest key created at this start, if one was (else undefined). */
  createdIngestKey: string | undefined
  demo: DemoHandle | undefined
  close(): Promise<void>
}

export interface StartOptions {
  /** The clock of ingest checks and live figures (ms); tests pin "today" with it. */
  now?: () => number
}

export async function startGridPulse(config: Config, log: Logger = createLogger('gridpulse'), opts: StartOptions = {}): Promise<GridPulse> {
  const store = await createStore(config)
  const applied = await migrate(store.admin)
  if (applied.length > 0) log.info('migrations applied', { versions: applied })

  let places = await loadPlaces(store.admin)
  if (places.length === 0 && config.demo !== 'off') {
    places = demoRegistry(config.demoSeed)
    await savePlaces(store.admin, places)
    log.info('demo registry created', { places: places.length })
  }
  const registry = new Registry(places)
  const getRegistry = () => registry
  if (registry.size === 0) log.warn('the registry is empty: import one with `npm run registry:import -- file.csv`; every event is rejected until then')

  const keys = new KeyStore(store.admin)
  await keys.load()
  let createdIngestKey: string | undefined
  // DESIGN §8: the env keys are created on first start only; later starts never overwrite a key
  // an admin may have rotated or revoked.
  if (config.ingestKey && !(await keys.exists('env-ingest'))) {
    await keys.put({ id: 'env-ingest', kind: 'ingest', name: 'GRIDPULSE_INGEST_KEY', scope: 'city' }, config.ingestKey)
  } else if (!config.ingestKey && keys.count('ingest') === 0) {
    createdIngestKey = newSecret('ingest')
    await keys.put({ id: 'first-ingest', kind: 'ingest', name: 'first ingest key', scope: 'city' }, createdIngestKey)
  }
  if (config.displayToken && !(await keys.exists('env-display'))) {
    await keys.put({ id: 'env-display', kind: 'display', name: 'GRIDPULSE_DISPLAY_TOKEN', scope: 'city' }, config.displayToken)
  }

  const ingest = new Ingest({
    writer: store.writer,
    registry: getRegistry,
    flushRows: config.ingest.flushRows,
    flushMs: config.ingest.flushMs,
    maxBatchRows: config.ingest.maxBatchRows,
    now: opts.now,
  })
  const sla = slaTable()
  const hub = new LiveHub({
    reader: store.reader,
    registry: getRegistry,
    sla: () => sla,
    tz: config.tz,
    tickMs: config.live.tickMs,
    idleRecomputeMs: config.live.idleRecomputeMs,
    log,
    now: opts.now,
  })
  ingest.onAccepted((kind, rows) => {
    if (kind === 'reports') hub.onReports(rows as ReportRow[])
    else hub.markDirty()
  })
  await hub.seedTicker()

  let ready = false
  const { server, io } = createApp({
    ingest,
    hub,
    keys,
    registry: getRegistry,
    maxBodyBytes: config.ingest.maxBodyBytes,
    dashboardDir: config.dashboardDir,
    isReady: () => ready,
    log,
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.port, config.host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `http://localhost:${port}`
  ready = true

  let demo: DemoHandle | undefined
  if (config.demo === 'full') {
    demo = await startDemo({ config, store, keys, registry, url, log })
  }

  let closed = false
  return {
    url,
    port,
    store,
    ingest,
    hub,
    registry: getRegistry,
    createdIngestKey,
    demo,
    async close() {
      if (closed) return
      closed = true
      ready = false
      await demo?.stop()
      await hub.stop()
      io.disconnectSockets(true)
      await new Promise<void>((resolve) => {
        io.close(() => resolve())
        server.closeAllConnections()
      })
      await ingest.drain().catch((e: unknown) => log.error('drain on close failed', { error: String(e) }))
      await store.close()
    },
  }
}
