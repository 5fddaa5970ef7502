/** Every failure becomes a JSON answer with the right status; never a stack trace, never a hang. */
import type { NextFunction, Request, Response } from 'express'
import { HttpError } from '../auth/http.ts'
import { IngestBusyError, IngestUnavailableError } from '../../ingest/pipeline.ts'
import { BodyError } from '../../ingest/parse.ts'
import { WorkerFailedError } from '../../ingest/workers/pool.ts'
import type { Logger } from '../log.ts'

/** Counts a request refused whole, by status and why (gridpulse_ingest_refused_requests_total). */
export type RefusalCounter = (status: number, why: string) => void

/**
 * Marks a request as ingest's: the refusals decided here (413 a body too large, 415 an unknown
 * Content-Encoding) are counted with `count`. Other routes' requests are not ingest's to count.
 */
export function countRefusals(res: Response, count: RefusalCounter): void {
  res.locals.countRefusal = count
}

export function errorHandler(log: Logger, maxBodyBytes: number) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status = 500
    let message = 'internal error'
    let headers: Record<string, string> = {}
    /** Why ingest refused the request, when it is ingest's to count (`countRefusals`). */
    let refusal: string | undefined
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
      // Our fault, and likely passing (a worker is replaced at once): say retry, keep nothing.
      status = 503
      message = `${err.message}; nothing from this request was kept, retry shortly`
      headers = { 'Retry-After': '2' }
      log.error('ingest worker failed on a request', { error: err.message })
    } else if (typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('Z_')) {
      // zlib failed on a body that said it was compressed.
      status = 400
      message = `the body is not valid ${req.headers['content-encoding'] ?? 'compressed data'} (as its Content-Encoding says): ${e.message}`
    } else if (e?.type === 'entity.too.large') {
      status = 413
      message = `the body is larger than ${(err as { limit?: number }).limit ?? maxBodyBytes} bytes; split the batch`
      refusal = 'body'
    } else if (e?.type === 'encoding.unsupported') {
      status = 415
      message = e.message ?? `unsupported content encoding "${req.headers['content-encoding']}"`
      refusal = 'encoding'
    } else if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      status = e.status
      message = e.message ?? 'bad request'
    } else {
      log.error('request failed', { error: String(err), stack: (err as Error)?.stack })
    }
    if (res.headersSent) return
    if (refusal !== undefined) (res.locals.countRefusal as RefusalCounter | undefined)?.(status, refusal)
    res.status(status).set(headers).json({ error: message })
  }
}
