/**
 * `GET /metrics` in Prometheus format: with GRIDPULSE_METRICS_TOKEN set, for whoever sends it as
 * a bearer token; without, for loopback clients only (a scraper beside the process).
 */
import type { Request, Response } from 'express'
import type { Registry } from 'prom-client'
import { HttpError } from '../auth/http.ts'
import { sameSecret } from '../auth/compare.ts'

function isLoopback(addr: string | undefined): boolean {
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1'
}

export function metricsRoute(metrics: Registry, token: string | undefined) {
  return async (req: Request, res: Response) => {
    const ok = token ? sameSecret(req.headers.authorization ?? '', `Bearer ${token}`) : isLoopback(req.socket.remoteAddress)
    if (!ok) throw new HttpError(token ? 401 : 403, token ? 'send the metrics token as Authorization: Bearer …' : 'metrics are for loopback clients; set GRIDPULSE_METRICS_TOKEN to scrape from elsewhere')
    res.setHeader('Content-Type', metrics.contentType)
    res.send(await metrics.metrics())
  }
}
