/**
 * The app factory: express routes + the Socket.IO `/live` namespace over one HTTP server.
 * It takes its dependencies and owns no process-wide state, so tests start it on port 0.
 * Every route and socket event checks who is asking (server/auth) before it does anything.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import express, { type NextFunction, type Request, type Response } from 'express'
import helmet from 'helmet'
import { Server as IoServer, type Socket } from 'socket.io'
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
import { IngestBusyError, IngestUnavailableError } from '../ingest/pipeline.ts'
import { WorkerFailedError } from '../ingest/workers/pool.ts'
import type { Registry as MetricsRegistry } from 'prom-client'
import { BodyError } from '../ingest/parse.ts'
import type { EventKind } from '../ingest/schema.ts'
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

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1'
}

function timingSafeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && crypto.timingSafeEqual(x, y)
}

export function createApp(deps: AppDeps) {
  const { auth } = deps
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use(helmet({ contentSecurityPolicy: { directives: { 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'] } } }))

  app.get('/healthz', (_req, res) => {
    if (deps.isReady()) res.json({ ok: true })
    else res.status(503).json({ ok: false, error: 'starting' })
  })

  app.get('/metrics', async (req, res) => {
    const ok = deps.metricsToken ? timingSafeEqualText(req.headers.authorization ?? '', `Bearer ${deps.metricsToken}`) : isLoopback(req.socket.remoteAddress)
    if (!ok) throw new HttpError(deps.metricsToken ? 401 : 403, deps.metricsToken ? 'send the metrics token as Authorization: Bearer …' : 'metrics are for loopback clients; set GRIDPULSE_METRICS_TOKEN to scrape from elsewhere')
    res.setHeader('Content-Type', deps.metrics.contentType)
    res.send(await deps.metrics.metrics())
  })

  app.use('/api', auth.middleware())
  app.use('/api/v1/session', sessionRoutes(auth, deps.throttle, deps.secureCookies))
  app.use('/api/v1/admin', adminRoutes({ auth, sla: deps.sla, importRegistry: deps.importRegistry }))

  app.get('/api/v1/registry', (_req, res) => {
    const p = requirePermission(res, 'live:read')
    res.json({ places: visiblePlaces(deps.registry(), p.scope).map(placeJson) })
  })

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

  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes })
  for (const kind of ['reports', 'visits'] as EventKind[]) {
    app.post(`/api/v1/${kind}`, async (req, res) => {
      if (!deps.isReady()) throw new HttpError(503, 'starting; try again shortly', { 'Retry-After': '2' })
      // Auth is checked before the body is read, so an unauthenticated client can't make us parse megabytes.
      const key = requirePermission(res, 'events:write')
      await new Promise<void>((resolve, reject) => raw(req, res, (err?: unknown) => (err ? reject(err) : resolve())))
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
      if (body.length === 0) throw new HttpError(400, 'the body is empty; send a JSON object, a JSON array or NDJSON')
      const result = await deps.ingest.acceptBody(kind, body, req.headers['content-type'], { name: key.name, scope: key.scope })
      res.status(result.accepted === 0 && result.duplicates === 0 ? 400 : 200).json(result)
    })
  }

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such route' })
  })

  if (fs.existsSync(path.join(deps.dashboardDir, 'index.html'))) {
    app.use(express.static(deps.dashboardDir, { index: false, maxAge: '1h' }))
    app.get(/^\/(?!api\/|socket\.io\/|healthz).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache')
      res.sendFile(path.join(deps.dashboardDir, 'index.html'))
    })
  }

  // Every failure becomes a JSON answer with the right status; never a stack trace, never a hang.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    let status = 500
    let message = 'internal error'
    let headers: Record<string, string> = {}
    const e = err as { type?: string; status?: number; message?: string }
    if (err instanceof HttpError) {
      status = err.status
      message = err.message
      headers = err.headers
    } else if (err instanceof BodyError) {
      status = err.status
      message = err.message
    } else if (err instanceof IngestBusyError) {
      status = 429
      message = `${err.message}; nothing from this request was kept, retry shortly`
      headers = { 'Retry-After': '1' }
    } else if (err instanceof IngestUnavailableError) {
      status = 503
      message = err.message
      headers = { 'Retry-After': String(err.retryAfterSec) }
    } else if (err instanceof WorkerFailedError) {
      status = 500
      message = `${err.message}; nothing from this request was kept`
      deps.log.error('ingest worker failed on a request', { error: err.message })
    } else if (e?.type === 'entity.too.large') {
      status = 413
      message = `the body is larger than ${(err as { limit?: number }).limit ?? deps.maxBodyBytes} bytes; split the batch`
    } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status
      message = e.message ?? 'bad request'
    } else {
      deps.log.error('request failed', { error: String(err), stack: (err as Error)?.stack })
    }
    if (res.headersSent) return
    res.status(status).set(headers).json({ error: message })
  })

  const server = http.createServer(app)
  const io = new IoServer<ClientToServerEvents, ServerToClientEvents>(server, { serveClient: false })
  const nsp = io.of('/live')

  // Who may connect: a signed-in user (session cookie) or a display token (auth.token).
  nsp.use((socket, next) => {
    try {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token
      const p = auth.resolve({ cookie: socket.handshake.headers.cookie, token: typeof token === 'string' && token !== '' ? token : undefined, ip: socket.handshake.address, route: 'socket /live' })
      if (!p) return next(new Error('sign in first (or pass a display token)'))
      if (!can(p, 'live:read')) return next(new Error(`${p.kind === 'user' ? `role ${p.role}` : `an ${p.kind} key`} may not read live figures`))
      ;(socket as LiveSocket).data.principal = p
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
  auth.deps.sessions.onEnd((session) => dropWhere((p) => p.sessionId === session.idHash))
  auth.deps.keys.onRevoke((id) => dropWhere((p) => p.kind !== 'user' && p.id === id))
  // Sessions also end by expiring, which no event announces: sweep the open sockets now and then.
  const sweep = setInterval(() => dropWhere((p) => p.sessionId !== undefined && !auth.deps.sessions.alive(p.sessionId)), 30_000)
  sweep.unref()
  server.on('close', () => clearInterval(sweep))

  deps.hub.attach(nsp, (socket, scope) => {
    const p = (socket as LiveSocket).data.principal
    return scopeCovers(deps.registry(), p.scope, scope) ? undefined : `${scope} is outside your scope (${p.scope})`
  })
  return { app, server, io }
}
