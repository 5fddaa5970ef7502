/**
 * Authentication and authorisation for HTTP and sockets. One `Auth` resolves the caller
 * (session cookie → user; bearer or `?token=` → display token or ingest key) and the guards
 * below answer 401 (who are you?) or 403 (not you, not here) with a clear message.
 */
import type { NextFunction, Request, Response } from 'express'
import type { Scope } from '../contracts/live.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import type { KeyStore } from './keys.ts'
import type { SessionStore } from './sessions.ts'
import { SESSION_COOKIE } from './sessions.ts'
import type { UserStore } from './users.ts'
import type { Audit } from './audit.ts'
import { sameSecret } from './compare.ts'
import { can, scopeCovers, type Permission, type Principal } from './principal.ts'

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const i = part.indexOf('=')
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim())
      } catch {
        return undefined // a mangled cookie is no cookie, not a 500
      }
    }
  }
  return undefined
}

function bearer(header: string | undefined): string | undefined {
  const m = header ? /^Bearer\s+(\S+)$/i.exec(header) : null
  return m?.[1]
}

export interface AuthDeps {
  users: UserStore
  sessions: SessionStore
  keys: KeyStore
  audit: Audit
  registry: () => Registry
}

export class Auth {
  constructor(readonly deps: AuthDeps) {}

  /**
   * The caller, from a token (bearer header, `?token=` or socket `auth.token`) or else the
   * session cookie. A token that is given but not valid is an error, never "anonymous": a kiosk
   * with a revoked token must see that, not a login page.
   */
  resolve(input: { cookie?: string | undefined; token?: string | undefined; fromQuery?: boolean; ip?: string; route?: string }): Principal | undefined {
    if (input.token !== undefined) {
      const key = this.deps.keys.verify(input.token)
      if (!key) throw new HttpError(401, 'this token is not valid (unknown, revoked or rotated)', { 'WWW-Authenticate': 'Bearer' })
      // `?token=` exists for the kiosk link only: a secret in a URL ends up in logs and history.
      if (input.fromQuery && key.kind !== 'display') throw new HttpError(401, 'only a display token may be passed as ?token=; send this key as "Authorization: Bearer …"')
      this.deps.audit.keyUsed(key.id, input.ip ?? '', input.route ?? '')
      return { kind: key.kind, id: key.id, name: key.name, role: key.kind, scope: key.scope }
    }
    const session = this.deps.sessions.get(readCookie(input.cookie, SESSION_COOKIE))
    if (!session) return undefined
    const user = this.deps.users.get(session.userId)
    if (!user || user.disabledAt !== null) return undefined
    return { kind: 'user', id: user.id, name: user.username, role: user.role, scope: user.scope, sessionId: session.idHash, csrfToken: session.csrfToken }
  }

  /** Express middleware: sets `res.locals.principal` (or leaves it unset for anonymous). */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      try {
        const q = req.query.token
        const header = bearer(req.headers.authorization)
        const query = req.method === 'GET' && typeof q === 'string' && q !== '' ? q : undefined
        res.locals.principal = this.resolve({ cookie: req.headers.cookie, token: header ?? query, fromQuery: header === undefined && query !== undefined, ip: req.ip ?? '', route: `${req.method} ${req.path}` })
        next()
      } catch (e) {
        next(e)
      }
    }
  }
}

export function principalOf(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined
}

const WHAT: Record<Permission, string> = {
  'live:read': 'read live figures',
  'trends:read': 'read the monthly review',
  'sql:run': 'use the SQL console',
  'events:write': 'send events',
  admin: 'administer GridPulse',
}

/** 401 for nobody, 403 for the wrong role. */
export function requirePermission(res: Response, perm: Permission): Principal {
  const p = principalOf(res)
  if (!p) throw new HttpError(401, 'sign in first (or send a display token or ingest key)')
  if (!can(p, perm)) {
    const who = p.kind === 'user' ? `role ${p.role}` : `a ${p.kind} ${p.kind === 'ingest' ? 'key' : 'token'}`
    throw new HttpError(403, `${who} may not ${WHAT[perm]}`)
  }
  return p
}

/** 403 unless the caller's scope covers `scope`. */
export function requireScope(registry: Registry, p: Principal, scope: Scope): void {
  if (!scopeCovers(registry, p.scope, scope)) throw new HttpError(403, `${scope} is outside your scope (${p.scope})`)
}

/**
 * CSRF: a signed-in browser sends its session cookie on any request, even one another site
 * triggers; so writes with a session must also echo the session's token in X-CSRF-Token,
 * which another site cannot read. Token-authenticated calls carry no ambient credential.
 */
export function requireCsrf(req: Request, p: Principal): void {
  if (p.kind !== 'user') return
  const sent = req.headers['x-csrf-token']
  const token = typeof sent === 'string' ? sent : ''
  if (token === '' || !sameSecret(token, p.csrfToken ?? '')) throw new HttpError(403, 'missing or wrong CSRF token: send the csrfToken from GET /api/v1/session as X-CSRF-Token')
}
