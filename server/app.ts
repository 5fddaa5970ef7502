/**
 * The app factory: express routes + the Socket.IO `/live` namespace over one HTTP server.
 * It takes its dependencies and owns no process-wide state, so tests start it on port 0.
 * Every route and socket event checks who is asking (server/auth) before it does anything.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import express from 'express'
import helmet from 'helmet'
import { Server as IoServer, type ServerOptions, type Socket } from 'socket.io'
import type { ClientToServerEvents, Scope, ServerToClientEvents } from './contracts/live.ts'
import type { Place } from './contracts/registry.ts'
import type { LiveHub } from './live/hub.ts'
import { ScopeError } from './live/hub.ts'
import { Auth, HttpError, requirePermission, requireScope } from './auth/http.ts'
import { can, scopeCovers, scopeHasPlace, type Principal } from './auth/principal.ts'
import type { LoginThrottle } from './auth/throttle.ts'
import { sessionRoutes } from './routes/session.ts'
import { adminRoutes } from './routes/admin.ts'
import type { SlaStore } from './sla.ts'
import type { Ingest } from '../ingest/pipeline.ts'
import type { Registry as MetricsRegistry } from 'prom-client'
import { ingestRoutes, REQUEST_TIMEOUT_MS } from './routes/ingest.ts'
import { metricsRoute } from './routes/metrics.ts'
import { errorHandler } from './routes/errors.ts'
import { geoRoutes } from './routes/geo.ts'
import { trendsRoutes } from './routes/trends.ts'
import { consoleRoutes } from './routes/console.ts'
import { clickhouseHttpRoutes } from './routes/clickhouseHttp.ts'
import type { SqlConsole } from './console/runner.ts'
import type { ClickHouseClient } from '@clickhouse/client'
import { trendsPackRoutes } from './routes/trendsPack.ts'
import type { TrendsSource } from './trends/report.ts'
import type { GeoService } from './geo.ts'
import type { Registry } from '../ingest/registry/registry.ts'
import type { Logger } from './log.ts'

export interface AppDeps {
  ingest: Ingest
  hub: LiveHub
  auth: Auth
  throttle: LoginThrottle
  sla: SlaStore
  importRegistry: (places: Place[]) => Promise<void>
  registry: () => Registry
  /** The map's boundaries per scope (GET /api/v1/geo). */
  geo: GeoService
  /** The leaders' monthly review (GET /api/v1/trends and its pack). */
  trends: TrendsSource
  /** The analysts' SQL console and its ClickHouse-compatible endpoint. */
  sqlConsole: SqlConsole
  /** Where the console's schema, history and saved queries are read and written. */
  consoleStore: ClickHouseClient
  /** The PDF pack's CJK font, when not at the usual Noto CJK paths. */
  pdfFont?: string | undefined
  maxBodyBytes: number
  /** Prometheus metrics served at /metrics. */
  metrics: MetricsRegistry
  /** Bearer token for /metrics; unset: loopback clients only. */
  metricsToken: string | undefined
  /** Session cookies only over HTTPS (production). */
  secureCookies: boolean
  /** Built dashboard to serve; skipped when the folder does not exist. */
  dashboardDir: string
  isReady: () => boolean
  /** Scaled out: the Socket.IO adapter shared by the replicas (server/cluster). */
  ioAdapter?: ServerOptions['adapter']
  log: Logger
}

const placeJson = (p: Place) => ({
  code: p.code,
  level: p.level,
  parent: p.parent,
  name: p.name,
  nameEn: p.nameEn,
  households: p.households,
  keyHouseholds: p.keyHouseholds,
  lat: p.lat,
  lon: p.lon,
})

/**
 * The places a principal may list: its scope's subtree only (the breadcrumb above it comes
 * with the live snapshot's `path`, names only; the registry's household figures don't).
 */
function visiblePlaces(registry: Registry, scope: Scope): Place[] {
  if (scope === 'city') return [...registry.places]
  return registry.places.filter((p) => scopeHasPlace(registry, scope, p.code))
}

type LiveSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, { principal: Principal }>

export function createApp(deps: AppDeps) {
  const { auth } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use(helmet({ contentSecurityPolicy: { directives: { 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'] } } }))

  app.get('/healthz', (_req, res) => {
    if (!deps.isReady()) return void res.status(503).json({ ok: false, error: 'starting' })
    const h = deps.ingest.health()
    res.status(h.ok ? 200 : 503).json(h.ok ? { ok: true } : { ok: false, error: h.problems.join('; ') })
  })

  app.get('/metrics', metricsRoute(deps.metrics, deps.metricsToken))
  // Credentials of its own (ClickHouse clients send analyst credentials, not a session).
  app.use('/clickhouse', clickhouseHttpRoutes({ console: deps.sqlConsole, users: auth.deps.users, throttle: deps.throttle, audit: auth.deps.audit }))

  app.use('/api', auth.middleware())
  app.use('/api/v1/session', sessionRoutes(auth, deps.throttle, deps.secureCookies))
  app.use('/api/v1/admin', adminRoutes({ auth, sla: deps.sla, importRegistry: deps.importRegistry }))

  app.get('/api/v1/registry', (_req, res) => {
    const p = requirePermission(res, 'live:read')
    res.json({ places: visiblePlaces(deps.registry(), p.scope).map(placeJson) })
  })

  app.use('/api/v1/geo', geoRoutes(deps.geo, deps.registry))
  // The pack's routes are /api/v1/trends/pack.<format>; unknown ones fall through to trendsRoutes.
  app.use('/api/v1/trends', trendsPackRoutes({ registry: deps.registry, trends: deps.trends, pdfFont: deps.pdfFont }))
  app.use('/api/v1/trends', trendsRoutes({ registry: deps.registry, trends: deps.trends }))
  app.use('/api/v1/sql', consoleRoutes({ console: deps.sqlConsole, store: deps.consoleStore }))

  app.get('/api/v1/live', async (req, res) => {
    const p = requirePermission(res, 'live:read')
    const scope = req.query.scope ?? p.scope
    try {
      const snapshot = await deps.hub.snapshot(scope)
      requireScope(deps.registry(), p, snapshot.scope)
      res.json(snapshot)
    } catch (e) {
      throw e instanceof ScopeError ? new HttpError(400, e.message) : e
    }
  })

  app.use(ingestRoutes({ ingest: deps.ingest, isReady: deps.isReady, maxBodyBytes: deps.maxBodyBytes }))

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such route' })
  })

  if (fs.existsSync(path.join(deps.dashboardDir, 'index.html'))) {
    app.use(express.static(deps.dashboardDir, { index: false, maxAge: '1h' }))
    app.get(/^\/(?!api\/|socket\.io\/|healthz|clickhouse).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache')
      res.sendFile(path.join(deps.dashboardDir, 'index.html'))
    })
  }

  app.use(errorHandler(deps.log, deps.maxBodyBytes))

  // A stalled upload holds ingest's memory until then (Node's default: 300 s).
  const server = http.createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, app)
  const io = new IoServer<ClientToServerEvents, ServerToClientEvents>(server, { serveClient: false, ...(deps.ioAdapter ? { adapter: deps.ioAdapter } : {}) })
  const nsp = io.of('/live')

  // Who may connect: a signed-in user (session cookie) or a display token (auth.token).
  nsp.use((socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token
      const p = auth.resolve({ cookie: socket.handshake.headers.cookie, token: typeof token === 'string' && token !== '' ? token : undefined, ip: socket.handshake.address, route: 'socket /live' })
      if (!p) return next(new Error('sign in first (or pass a display token)'))
      if (!can(p, 'live:read')) return next(new Error(`${p.kind === 'user' ? `role ${p.role}` : `an ${p.kind} key`} may not read live figures`))
      ;(socket as LiveSocket).data.principal = p
      // Named rooms, so a revocation closes these sockets on every replica (through the adapter).
      void socket.join(p.sessionId !== undefined ? `session:${p.sessionId}` : `key:${p.id}`)
      next()
    } catch (e) {
      next(new Error(e instanceof HttpError ? e.message : 'not allowed'))
    }
  })

  // Revocation reaches open sockets at once: a signed-out session or a revoked key drops them.
  const dropWhere = (match: (p: Principal) => boolean) => {
    for (const s of nsp.sockets.values()) {
      const p = (s as LiveSocket).data.principal
      if (p && match(p)) s.disconnect(true)
    }
  }
  auth.deps.sessions.onEnd((session) => nsp.in(`session:${session.idHash}`).disconnectSockets(true))
  auth.deps.keys.onRevoke((id) => nsp.in(`key:${id}`).disconnectSockets(true))
  // Sessions also end by expiring, which no event announces, and scaled out a key revoked on
  // another replica may be read here after its socket came back: sweep now and then.
  const dropEndedSockets = () => dropWhere((p) => (p.sessionId !== undefined ? !auth.deps.sessions.alive(p.sessionId) : p.kind !== 'user' && !auth.deps.keys.live(p.id)))
  const sweep = setInterval(dropEndedSockets, 30_000)
  sweep.unref()
  server.on('close', () => clearInterval(sweep))

  deps.hub.attach(nsp, (socket, scope) => {
    const p = (socket as LiveSocket).data.principal
    return scopeCovers(deps.registry(), p.scope, scope) ? undefined : `${scope} is outside your scope (${p.scope})`
  })
  return { app, server, io, dropEndedSockets }
}
