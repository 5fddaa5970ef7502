/**
 * `POST /api/v1/reports` and `POST /api/v1/visits` (DESIGN §3), for the server and for
 * `npm run ingest` alike. The key is checked before the body is read, so an unauthenticated
 * client can't make us parse megabytes.
 */
import express, { type Request, type RequestHandler, type Response } from 'express'
import { HttpError, requirePermission } from '../auth/http.ts'
import type { Admission, Ingest } from '../../ingest/pipeline.ts'
import type { EventKind } from '../../ingest/schema.ts'
import { countRefusals } from './errors.ts'

/**
 * The longest a whole request may take to arrive (Node's default is 300 s, long enough for a
 * few stalled uploads to hold ingest's memory for minutes): 16 MiB still comes in it over a
 * link of ~1.2 Mbit/s.
 */
export const REQUEST_TIMEOUT_MS = 120_000
/** A chunked body's hold grows in steps of this as its bytes arrive. */
const GROW_STEP_BYTES = 64 * 1024
/** The encodings express.raw inflates (body-parser's read.js); any other is refused 415 unread. */
const INFLATED = new Set(['gzip', 'deflate', 'br'])

export function ingestRoutes(deps: { ingest: Ingest; isReady: () => boolean; maxBodyBytes: number }) {
  const router = express.Router()
  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes })
  for (const kind of ['reports', 'visits'] as EventKind[]) {
    router.post(`/api/v1/${kind}`, async (req, res) => {
      if (!deps.isReady()) throw new HttpError(503, 'starting; try again shortly', { 'Retry-After': '2' })
      const key = requirePermission(res, 'events:write')
      countRefusals(res, (status, why) => deps.ingest.metrics.refused.inc({ status: String(status), why }))
      const hold = holdFor(req, deps.maxBodyBytes)
      const admission = deps.ingest.admit(hold.first)
      try {
        const body = await readBody(req, res, raw, admission, { grow: hold.grow, maxBodyBytes: deps.maxBodyBytes, idleMs: deps.ingest.bodyIdleMs, ingest: deps.ingest })
        // Inflated, a compressed body holds what it came to, not the most it could have.
        admission.shrink(body.length)
        if (body.length === 0) throw new HttpError(400, 'the body is empty; send a JSON object, a JSON array or NDJSON')
        const result = await deps.ingest.acceptBody(kind, body, req.headers['content-type'], { name: key.name, scope: key.scope })
        res.status(result.accepted === 0 && result.duplicates === 0 ? 400 : 200).json(result)
      } finally {
        admission.release()
      }
    })
  }
  return router
}

/**
 * What a body holds in the in-flight budget before it is read, and whether it grows as it is
 * read. A compressed one may inflate to the body limit from a few kilobytes, so it holds that
 * until it is inflated. One of a declared length holds that length from the start, so a body
 * that is let in is never refused halfway for room (a stalled one is cut off by the idle
 * timeout). A chunked one holds its bytes as they arrive (`readBody`). One that will be refused
 * unread — a length past the limit (413), an encoding express.raw does not know (415) — holds
 * nothing, so it gets that answer, not a 429.
 */
function holdFor(req: Request, maxBodyBytes: number): { first: number; grow: boolean } {
  // As body-parser reads the header: absent or "identity" is the body as sent.
  const encoding = (req.headers['content-encoding'] || 'identity').toLowerCase()
  if (encoding !== 'identity') return { first: INFLATED.has(encoding) ? maxBodyBytes : 0, grow: false }
  const declared = req.headers['content-length'] === undefined ? NaN : Number(req.headers['content-length'])
  if (!Number.isFinite(declared) || declared < 0) return { first: 0, grow: true }
  return { first: declared <= maxBodyBytes ? declared : 0, grow: false }
}

interface ReadOptions {
  /** Grow the admission as bytes arrive (chunked bodies; others hold theirs from the start). */
  grow: boolean
  maxBodyBytes: number
  /** How long the body may send nothing, ms. */
  idleMs: number
  ingest: Pick<Ingest, 'metrics'>
}

/**
 * Reads the body through express.raw (which inflates it and holds it to the body limit), keeping
 * `admission` above the bytes that arrived. When a step of it does not fit (429), or the sender
 * sends nothing for `idleMs` (408), the body is refused there: nothing is kept, and the answer
 * closes the connection, so the rest is never read. Settles however the request ends, the
 * client going away included, so the caller always releases the admission.
 */
function readBody(req: Request, res: Response, raw: RequestHandler, admission: Admission, opts: ReadOptions): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let settled = false
    let received = 0
    const settle = (err: unknown) => {
      if (settled) return
      settled = true
      clearTimeout(idle)
      req.off('data', onData)
      req.off('close', onClose)
      if (err) reject(err)
      else resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0))
    }
    const refuse = (err: Error) => {
      req.pause()
      res.set('Connection', 'close')
      res.once('finish', () => req.socket.destroy())
      settle(err)
    }
    const onIdle = () => {
      opts.ingest.metrics.refused.inc({ status: '408', why: 'idle' })
      refuse(new HttpError(408, `no bytes of the body came for ${opts.idleMs / 1000} s; nothing from this request was kept, send it again`))
    }
    const idle = setTimeout(onIdle, opts.idleMs)
    const onData = (chunk: Buffer) => {
      idle.refresh()
      received += chunk.length
      // Past the limit express.raw refuses the body (413) and only drains it: nothing more is kept.
      if (!opts.grow || received <= admission.bytes || received > opts.maxBodyBytes) return
      try {
        admission.grow(Math.min(opts.maxBodyBytes, Math.ceil(received / GROW_STEP_BYTES) * GROW_STEP_BYTES))
      } catch (e) {
        refuse(e as Error)
      }
    }
    // The client went away mid-body. express.raw may never call back then: with a compressed body
    // it reads the inflating stream, which never hears that the request was cut off.
    const onClose = () => {
      if (!req.complete) settle(new HttpError(400, `the request was cut off after ${received} bytes of its body`))
    }
    raw(req, res, (err?: unknown) => settle(err))
    if (settled) return
    // After express.raw starts reading (in this same tick, so no chunk passes unseen).
    req.on('data', onData)
    req.on('close', onClose)
  })
}
