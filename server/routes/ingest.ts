/**
 * `POST /api/v1/reports` and `POST /api/v1/visits` (DESIGN §3), for the server and for
 * `npm run ingest` alike. The key is checked before the body is read, so an unauthenticated
 * client can't make us parse megabytes.
 */
import express from 'express'
import { HttpError, requirePermission } from '../auth/http.ts'
import type { Ingest } from '../../ingest/pipeline.ts'
import type { EventKind } from '../../ingest/schema.ts'

export function ingestRoutes(deps: { ingest: Ingest; isReady: () => boolean; maxBodyBytes: number }) {
  const router = express.Router()
  const raw = express.raw({ type: () => true, limit: deps.maxBodyBytes })
  for (const kind of ['reports', 'visits'] as EventKind[]) {
    router.post(`/api/v1/${kind}`, async (req, res) => {
      if (!deps.isReady()) throw new HttpError(503, 'starting; try again shortly', { 'Retry-After': '2' })
      const key = requirePermission(res, 'events:write')
      // Room is reserved before the body is read (what it declares, or the most it may be).
      const declared = Number(req.headers['content-length'])
      const release = deps.ingest.admit(Number.isFinite(declared) && declared >= 0 ? Math.min(declared, deps.maxBodyBytes) : deps.maxBodyBytes)
      try {
        await new Promise<void>((resolve, reject) => raw(req, res, (err?: unknown) => (err ? reject(err) : resolve())))
        const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
        if (body.length === 0) throw new HttpError(400, 'the body is empty; send a JSON object, a JSON array or NDJSON')
        const result = await deps.ingest.acceptBody(kind, body, req.headers['content-type'], { name: key.name, scope: key.scope })
        res.status(result.accepted === 0 && result.duplicates === 0 ? 400 : 200).json(result)
      } finally {
        release()
      }
    })
  }
  return router
}
