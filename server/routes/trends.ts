/**
 * `GET /api/v1/trends?scope=…&from=YYYY-MM&to=YYYY-MM`: the leaders' monthly review of a scope
 * (server/trends/report.ts). Signed-in leaders, analysts and admins, inside their own scope;
 * display tokens are for walls and may not read it. Without `from`/`to`: the 12 months up to
 * the current one. The monthly pack (PDF, XLSX, CSV) is served by routes/trendsPack.ts from
 * the same report.
 */
import express from 'express'
import { parseScope, type Scope } from '../contracts/live.ts'
import { HttpError, requirePermission, requireScope } from '../auth/http.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import type { TrendsReport } from '../contracts/trends.ts'
import { monthRange } from '../trends/calendar.ts'
import { TrendsBusyError, type TrendsSource } from '../trends/report.ts'

export interface TrendsRouteDeps {
  registry: () => Registry
  trends: TrendsSource
}

/** Checks who asks and which scope and months; the parsed request, or an HttpError. */
export function trendsRequest(req: express.Request, res: express.Response, deps: TrendsRouteDeps): { scope: Scope; from: string; to: string } {
  const p = requirePermission(res, 'trends:read')
  const raw = req.query.scope ?? p.scope
  const parsed = parseScope(raw)
  if (!parsed) throw new HttpError(400, `scope must be city, district:<code>, street:<code> or community:<code>; got ${JSON.stringify(raw)}`)
  const reg = deps.registry()
  if (parsed.level !== 'city' && reg.byCode.get(parsed.code)?.level !== parsed.level) throw new HttpError(400, `unknown ${parsed.level} "${parsed.code}"`)
  requireScope(reg, p, parsed.scope)
  const range = monthRange(req.query.from, req.query.to, deps.trends.currentMonth())
  if ('error' in range) throw new HttpError(400, range.error)
  return { scope: parsed.scope, ...range }
}

/** The report, or 503 + Retry-After when too many are being read at once. */
export async function readReport(deps: TrendsRouteDeps, scope: Scope, from: string, to: string): Promise<TrendsReport> {
  try {
    return await deps.trends.report(scope, from, to)
  } catch (e) {
    if (e instanceof TrendsBusyError) throw new HttpError(503, e.message, { 'Retry-After': String(e.retryAfterSec) })
    throw e
  }
}

export function trendsRoutes(deps: TrendsRouteDeps) {
  const router = express.Router()
  router.get('/', async (req, res) => {
    const { scope, from, to } = trendsRequest(req, res, deps)
    const report = await readReport(deps, scope, from, to)
    res.setHeader('Cache-Control', 'private, no-cache')
    res.json(report)
  })
  return router
}
