/**
 * `/api/v1/sql/*`: the analysts' SQL console (issue 7). Signed-in analysts and admins; a
 * query runs in the caller's scope (server/console/runner.ts) after the guard has passed it
 * (server/console/guard.ts). Writes need the CSRF token like every session write.
 *   POST   /api/v1/sql            run (or EXPLAIN) a query
 *   POST   /api/v1/sql/cancel     stop a run still under way
 *   GET    /api/v1/sql/schema     the tables the console may read, with column types and comments
 *   GET    /api/v1/sql/history    the caller's last queries
 *   GET    /api/v1/sql/saved      the caller's saved queries; POST saves one
 *   GET    /api/v1/sql/saved/:id  one saved query (a share link); DELETE: its owner removes it
 */
import crypto from 'node:crypto'
import express, { type Request, type Response } from 'express'
import { z } from 'zod'
import { parseBody } from './body.ts'
import type { ClickHouseClient } from '@clickhouse/client'
import { HttpError, requireCsrf, requirePermission } from '../auth/http.ts'
import type { Principal } from '../auth/principal.ts'
import { CONSOLE_TABLES, MAX_QUERY_BYTES, QueryRefused } from '../console/guard.ts'
import { ConsoleBusyError, QueryFailed, type Asker, type SqlConsole } from '../console/runner.ts'
import type { ConsoleHistoryEntry, ConsoleTable, SavedQuery } from '../contracts/console.ts'
import { chTime, sql } from '../../sql/queries.ts'

export interface ConsoleRouteDeps {
  console: SqlConsole
  /** Reads the schema, history and saved queries; writes saved queries. */
  store: ClickHouseClient
}

const runBody = z.strictObject({
  query: z.string().max(MAX_QUERY_BYTES),
  explain: z.enum(['plan', 'pipeline', 'syntax']).optional(),
  limit: z.number().int().min(1).max(1_000_000).optional(),
  runId: z.uuid().optional(),
})
const saveBody = z.strictObject({ name: z.string().trim().min(1).max(120), query: z.string().min(1).max(MAX_QUERY_BYTES) })
const cancelBody = z.strictObject({ runId: z.uuid() })


export function askerOf(p: Principal): Asker {
  return { userId: p.id, username: p.name, scope: p.scope }
}

/** A failed or busy run as an HTTP error (a refused one is answered with `refused: true`). */
function consoleHttpError(e: unknown): unknown {
  if (e instanceof QueryFailed) return new HttpError(400, e.message)
  if (e instanceof ConsoleBusyError) return new HttpError(503, e.message, { 'Retry-After': String(e.retryAfterSec) })
  return e
}

export function consoleRoutes(deps: ConsoleRouteDeps) {
  const router = express.Router()
  router.use(express.json({ limit: '256kb' }))

  const user = (req: Request, res: Response): Principal => {
    const p = requirePermission(res, 'sql:run')
    if (p.kind !== 'user') throw new HttpError(403, 'the SQL console is for signed-in users')
    if (req.method !== 'GET') requireCsrf(req, p)
    return p
  }

  router.post('/', async (req, res) => {
    const p = user(req, res)
    const body = parseBody(runBody, req.body)
    try {
      res.json(await deps.console.run(askerOf(p), body.query, { explain: body.explain, limit: body.limit, runId: body.runId }))
    } catch (e) {
      if (e instanceof QueryRefused) return void res.status(400).json({ error: e.message, refused: true })
      throw consoleHttpError(e)
    }
  })

  router.post('/cancel', async (req, res) => {
    const p = user(req, res)
    await deps.console.cancel(p.id, parseBody(cancelBody, req.body).runId)
    res.json({ ok: true })
  })

  router.get('/schema', async (req, res) => {
    user(req, res)
    const rows = await (await deps.store.query({ query: sql('console_schema'), query_params: { tables: [...CONSOLE_TABLES] }, format: 'JSONEachRow' })).json<{
      table: string
      engine: string
      table_comment: string
      columns: Array<[string, string, string]>
    }>()
    const tables: ConsoleTable[] = rows.map((r) => ({ table: r.table, engine: r.engine, comment: r.table_comment, columns: r.columns.map(([name, type, comment]) => ({ name, type, comment })) }))
    res.setHeader('Cache-Control', 'private, max-age=60')
    res.json({ tables })
  })

  router.get('/history', async (req, res) => {
    const p = user(req, res)
    const rows = await (await deps.store.query({ query: sql('console_history'), query_params: { user_id: p.id, limit: 100 }, format: 'JSONEachRow' })).json<Record<string, string | number>>()
    const entries: ConsoleHistoryEntry[] = rows.map((r) => ({
      at: Number(r.at),
      via: r.via as ConsoleHistoryEntry['via'],
      query: String(r.query),
      status: r.status as ConsoleHistoryEntry['status'],
      error: String(r.error),
      rows: Number(r.rows),
      elapsedMs: Number(r.elapsed_ms),
    }))
    res.json({ entries })
  })

  const savedOf = (r: Record<string, string | number>): SavedQuery => ({ id: String(r.id), owner: String(r.owner), name: String(r.name), query: String(r.query), createdAt: Number(r.created_at) })

  router.get('/saved', async (req, res) => {
    const p = user(req, res)
    const rows = await (await deps.store.query({ query: sql('console_saved'), query_params: { owner_id: p.id }, format: 'JSONEachRow' })).json<Record<string, string | number>>()
    res.json({ saved: rows.map(savedOf) })
  })

  router.post('/saved', async (req, res) => {
    const p = user(req, res)
    const body = parseBody(saveBody, req.body)
    const now = Date.now()
    const saved: SavedQuery = { id: crypto.randomBytes(9).toString('base64url'), owner: p.name, name: body.name, query: body.query, createdAt: now }
    await deps.store.insert({
      table: 'saved_queries',
      values: [{ id: saved.id, owner_id: p.id, owner: p.name, name: saved.name, query: saved.query, created_at: chTime(now), deleted: 0, version: now }],
      format: 'JSONEachRow',
    })
    res.status(201).json(saved)
  })

  const one = async (id: string) =>
    (await (await deps.store.query({ query: sql('console_saved_one'), query_params: { id }, format: 'JSONEachRow' })).json<Record<string, string | number>>())[0]

  router.get('/saved/:id', async (req, res) => {
    user(req, res)
    const r = await one(String(req.params.id))
    if (!r) throw new HttpError(404, 'no saved query with this id (it may have been deleted)')
    // Anyone who may use the console may open a shared query; it runs in their own scope.
    res.json(savedOf(r))
  })

  router.delete('/saved/:id', async (req, res) => {
    const p = user(req, res)
    const r = await one(String(req.params.id))
    if (!r) throw new HttpError(404, 'no saved query with this id')
    if (r.owner_id !== p.id) throw new HttpError(403, 'only its owner may delete a saved query')
    await deps.store.insert({
      table: 'saved_queries',
      values: [{ ...r, created_at: chTime(Number(r.created_at)), deleted: 1, version: Math.max(Date.now(), Number(r.version) + 1) }],
      format: 'JSONEachRow',
    })
    res.json({ ok: true })
  })

  return router
}
