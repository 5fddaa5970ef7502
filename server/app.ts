/**
 * The app factory: express routes + the Socket.IO `/live` namespace over one HTTP server.
 * It takes its dependencies and owns no process-wide state, so tests start it on port 0.
 */
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import express, { type NextFunction, type Request, type Response } from 'express'
import { Server as IoServer } from 'socket.io'
import type { ClientToServerEvents, ServerToClientEvents } from './contracts/live.ts'
import type { Place } from './contracts/registry.ts'
import type { KeyStore, ApiKey } from './auth/keys.ts'
import type { LiveHub } from './live/hub.ts'
import { ScopeError } from './live/hub.ts'
import type { Ingest } from '../ingest/pipeline.ts'
import { StoreUnavailableError } from '../ingest/pipeline.ts'
import { BodyError } from '../ingest/parse.ts'
import type { EventKind } from '../ingest/schema.ts'
import type { Registry } from '../ingest/registry/registry.ts'
import type { Logger } from './log.ts'

export interface AppDeps {
  ingest: Ingest
  hub: LiveHub
  keys: KeyStore
  registry: () => Registry
  maxBodyBytes: number
  /** Built dashboard to serve; skipped when the folder does not exist. */
  dashboardDir: string
  isReady: () => boolean
  log: Logger
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

function bearer(req: Request): string | undefined {
  const h = req.headers.authorization
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null
  return m?.[1]
}

function requireIngestKey(keys: KeyStore, req: Request): ApiKey {
  const secret = bearer(req)
  if (!secret) throw new HttpError(401, 'send an ingest key as "Authorization: Bearer <key>"', { 'WWW-Authenticate': 'Bearer' })
  const key = keys.verify(secret)
  if (!key) throw new HttpError(401, 'this key is not valid (unknown or revoked)', { 'WWW-Authenticate': 'Bearer' })
  if (key.kind !== 'ingest') throw new HttpError(403, `a ${key.kind} token may not send events; use an ingest key`)
  return key
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

export function createApp(deps: AppDeps) {
  const app = express()
  app.disable('x-powered-by')
  app.set('etag', false)
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    next()
  })

  app.get('/healthz', (_req, res) => {
    if (deps.isReady()) res.json({ ok: true })
    else res.status(503).json({ ok: false, error: 'starting' })
  })

  app.get('/api/v1/registry', (_req, res) => {
    res.json({ places: deps.registry().places.map(placeJson) })
  })

  app.get('/api/v1/live', async (req, res, next) => {
    try {
      res.json(await deps.hub.snapshot(req.query.scope ?? 'city'))
    } catch (e) {
      next(e instanceof ScopeError ? new HttpError(400, e.message) : e)
    }
  })

  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes })
  for (const kind of ['reports', 'visits'] as EventKind[]) {
    app.post(`/api/v1/${kind}`, async (req, res, next) => {
      try {
        if (!deps.isReady()) throw new HttpError(503, 'starting; try again shortly', { 'Retry-After': '2' })
        const key = requireIngestKey(deps.keys, req)
        // Auth is checked before the body is read, so an unauthenticated client can't make us parse megabytes.
        await new Promise<void>((resolve, reject) => raw(req, res, (err?: unknown) => (err ? reject(err) : resolve())))
        const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        if (body.length === 0) throw new HttpError(400, 'the body is empty; send a JSON object, a JSON array or NDJSON')
        const result = await deps.ingest.acceptBody(kind, body, req.headers['content-type'], { name: key.name, scope: key.scope })
        res.status(result.accepted === 0 && result.duplicates === 0 ? 400 : 200).json(result)
      } catch (e) {
        next(e)
      }
    })
  }

  if (fs.existsSync(path.join(deps.dashboardDir, 'index.html'))) {
    app.use(express.static(deps.dashboardDir, { index: false, maxAge: '1h' }))
    app.get(/^\/(?!api\/|socket\.io\/|healthz).*/, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache')
      res.sendFile(path.join(deps.dashboardDir, 'index.html'))
    })
  }

  app.use('/api', (_req, res) => {
    res.status(404).json({ error: 'no such route' })
  })

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
    } else if (err instanceof StoreUnavailableError) {
      status = 503
      message = 'the store is not taking events right now; nothing from this request was kept, retry'
      headers = { 'Retry-After': '5' }
      deps.log.error('ingest write failed', { error: err.message })
    } else if (e?.type === 'entity.too.large') {
      status = 413
      message = `the body is larger than ${deps.maxBodyBytes} bytes; split the batch`
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
  deps.hub.attach(io.of('/live'))
  return { app, server, io }
}
