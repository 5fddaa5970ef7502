/**
 * `GET /api/v1/geo?scope=<scope>`: the map's GeoJSON for a scope (server/geo.ts), default the
 * caller's own. Same rules as `/api/v1/live`: live:read, a malformed or unknown scope is 400,
 * one outside the caller's scope 403.
 */
import express from 'express'
import { parseScope } from '../contracts/live.ts'
import { HttpError, requirePermission, requireScope } from '../auth/http.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import type { GeoService } from '../geo.ts'

export function geoRoutes(geo: GeoService, registry: () => Registry) {
  const router = express.Router()
  router.get('/', async (req, res) => {
    const p = requirePermission(res, 'live:read')
    const raw = req.query.scope ?? p.scope
    const parsed = parseScope(raw)
    if (!parsed) throw new HttpError(400, `scope must be city, district:<code>, street:<code> or community:<code>; got ${JSON.stringify(raw)}`)
    const reg = registry()
    if (parsed.level !== 'city' && reg.byCode.get(parsed.code)?.level !== parsed.level) throw new HttpError(400, `unknown ${parsed.level} "${parsed.code}"`)
    requireScope(reg, p, parsed.scope)
    const answer = await geo.answer(parsed.scope)
    // Private (it depends on who asks) but revalidated cheaply: a wall re-fetching its scope's
    // map after a reconnect gets a 304 until boundaries or the registry change.
    res.setHeader('Cache-Control', 'private, no-cache')
    res.setHeader('ETag', answer.etag)
    res.setHeader('Vary', 'Authorization, Cookie')
    if (matches(req.headers['if-none-match'], answer.etag)) return void res.status(304).end()
    res.type('application/geo+json').send(answer.body)
  })
  return router
}

/** If-None-Match may list several tags, weak or strong; a weak match is enough for a GET. */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false
  return header.split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag.replace(/^W\//, '') === etag
  })
}
