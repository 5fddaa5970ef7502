/**
 * Same-origin REST calls. Two kinds of caller share this:
 * - the kiosk wall, which carries its display token from `?token=` as a bearer token;
 * - signed-in people (session cookie), whose writes need the session's CSRF token in
 *   `X-CSRF-Token`. The token comes from `GET /api/v1/session` once and is replaced by the
 *   answer of a sign-in, since the server issues a new one with the new session.
 */
import type { SessionInfo, SignIn } from '@contracts/auth'
import { isPlainObject } from '@contracts/mergePatch'
import { tokenFromUrl } from './urlState.ts'

/** A non-2xx answer (or an unreadable one), carrying the server's `{error}` text. */
export class ApiError extends Error {
  readonly status: number
  /** Seconds to wait, from `Retry-After` (429, 503); null when the server did not say. */
  readonly retryAfterSec: number | null

  constructor(message: string, status: number, retryAfterSec: number | null = null) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.retryAfterSec = retryAfterSec
  }
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const SESSION_PATH = '/api/v1/session'

let csrfToken: string | null = null
let csrfKnown = false
let sessionInFlight: Promise<SessionInfo> | null = null

/** After a sign-out the old token is dead; the next write asks for a fresh one. */
export function forgetCsrf(): void {
  csrfToken = null
  csrfKnown = false
}

async function ensureCsrf(): Promise<string | null> {
  if (!csrfKnown) await fetchSession().catch(() => undefined)
  return csrfToken
}

function isWrite(init: RequestInit): boolean {
  return WRITE_METHODS.has((init.method ?? 'GET').toUpperCase())
}

async function send(path: string, init: RequestInit, csrf: string | null): Promise<Response> {
  const headers = new Headers(init.headers)
  const token = tokenFromUrl()
  if (token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${token}`)
  if (!headers.has('Accept')) headers.set('Accept', 'application/json')
  if (csrf && !headers.has('X-CSRF-Token')) headers.set('X-CSRF-Token', csrf)
  return fetch(path, { ...init, headers, credentials: 'same-origin' })
}

export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  if (!isWrite(init)) return send(path, init, null)
  const used = await ensureCsrf()
  const res = await send(path, init, used)
  if (res.status !== 403) return res
  // The session may have been replaced in another tab (sign-out, sign-in as someone else),
  // which also replaces its CSRF token: ask once for the current one and retry only if it changed.
  await fetchSession().catch(() => undefined)
  if (csrfToken === used || csrfToken === null) return res
  return send(path, init, csrfToken)
}

function parseRetryAfter(raw: string | null): number | null {
  if (!raw) return null
  const secs = Number(raw)
  if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs)
  const at = Date.parse(raw) // the header may also be an HTTP date
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000))
}

/** The body as JSON on success; otherwise an ApiError with the server's message. */
export async function readJson<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T
  const text = await res.text()
  let body: unknown
  if (text) {
    try {
      body = JSON.parse(text)
    } catch {
      /* not JSON: a proxy's HTML error page, say; handled below */
    }
  }
  if (!res.ok) {
    const message = isPlainObject(body) && typeof body.error === 'string' && body.error ? body.error : `HTTP ${res.status} ${res.statusText}`.trim()
    throw new ApiError(message, res.status, parseRetryAfter(res.headers.get('Retry-After')))
  }
  if (body === undefined) throw new ApiError(`HTTP ${res.status}: the answer is not JSON`, res.status)
  return body as T
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Sent as `application/json`. */
  json?: unknown
  /** Sent as is (a picked file, say), with `contentType`. */
  body?: BodyInit
  contentType?: string
}

export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers = new Headers()
  let body = opts.body
  if (opts.json !== undefined) {
    headers.set('Content-Type', 'application/json')
    body = JSON.stringify(opts.json)
  } else if (opts.contentType) {
    headers.set('Content-Type', opts.contentType)
  }
  return readJson<T>(await apiFetch(path, { method: opts.method ?? 'GET', headers, body }))
}

/** Who the caller is; concurrent callers share one request. Also learns the CSRF token. */
export function fetchSession(): Promise<SessionInfo> {
  sessionInFlight ??= (async () => {
    try {
      const info = await readJson<SessionInfo>(await send(SESSION_PATH, {}, null))
      csrfToken = info.csrfToken
      csrfKnown = true
      return info
    } finally {
      sessionInFlight = null
    }
  })()
  return sessionInFlight
}

export async function signIn(body: SignIn): Promise<SessionInfo> {
  const info = await apiRequest<SessionInfo>(SESSION_PATH, { method: 'POST', json: body })
  csrfToken = info.csrfToken
  csrfKnown = true
  return info
}

export async function signOut(): Promise<void> {
  try {
    await apiRequest<void>(SESSION_PATH, { method: 'DELETE' })
  } finally {
    forgetCsrf()
  }
}
