/**
 * `/clickhouse`: a read-only, ClickHouse-compatible HTTP endpoint over the store (issue 7), so
 * standard clients — the official JS client (`pathname: '/clickhouse'`), curl, anything that
 * speaks ClickHouse's HTTP interface — can query the embedded engine with analyst credentials:
 *   curl -u analyst:password 'http://host:8080/clickhouse/?query=SELECT+count()+FROM+report_current'
 * The same guard, limits, scope and log as the console (server/console); a subset of the
 * interface: the query from `?query=` and/or the body, credentials as Basic auth, the
 * X-ClickHouse-User/-Key headers or `user`/`password` parameters (these end up in logs: prefer
 * the others), a FORMAT clause or
 * `default_format`; `/ping`. Other parameters (settings among them) are ignored: limits are
 * the server's. Errors come in ClickHouse's shape (`Code: N. DB::Exception: … (NAME)`), which
 * clients parse.
 */
import crypto from 'node:crypto'
import express, { type Request, type Response } from 'express'
import type { UserStore } from '../auth/users.ts'
import type { LoginThrottle } from '../auth/throttle.ts'
import { can, type Principal } from '../auth/principal.ts'
import { QueryRefused } from '../console/guard.ts'
import { ConsoleBusyError, QueryFailed, type SqlConsole } from '../console/runner.ts'
import type { Audit } from '../auth/audit.ts'

export interface ClickHouseHttpDeps {
  console: SqlConsole
  users: UserStore
  throttle: LoginThrottle
  audit: Audit
}

/** Successful sign-ins are remembered briefly: password hashing is slow on purpose. */
const AUTH_CACHE_MS = 60_000

const CONTENT_TYPES: Array<[RegExp, string]> = [
  [/^JSON(Compact)?(Strings)?$/, 'application/json; charset=UTF-8'],
  [/^JSON/, 'application/x-ndjson; charset=UTF-8'],
  [/^CSV/, 'text/csv; charset=UTF-8; header=absent'],
  [/^(RowBinary|Native)/, 'application/octet-stream'],
]

/** ClickHouse's error body and the code clients read from it. */
function chError(res: Response, status: number, code: number, name: string, message: string): void {
  res
    .status(status)
    .set({ 'Content-Type': 'text/plain; charset=UTF-8', 'X-ClickHouse-Exception-Code': String(code) })
    .send(`Code: ${code}. DB::Exception: ${message.replace(/\s+$/, '')}. (${name}) (version gridpulse)\n`)
}

function credentials(req: Request): { user: string; password: string } | undefined {
  const auth = req.headers.authorization
  if (auth?.startsWith('Basic ')) {
    const raw = Buffer.from(auth.slice(6), 'base64').toString('utf8')
    const i = raw.indexOf(':')
    if (i > 0) return { user: raw.slice(0, i), password: raw.slice(i + 1) }
  }
  const hUser = req.headers['x-clickhouse-user']
  const hKey = req.headers['x-clickhouse-key']
  if (typeof hUser === 'string' && typeof hKey === 'string') return { user: hUser, password: hKey }
  if (typeof req.query.user === 'string' && typeof req.query.password === 'string') return { user: req.query.user, password: req.query.password }
  return undefined
}

export function clickhouseHttpRoutes(deps: ClickHouseHttpDeps) {
  const router = express.Router()
  const signedIn = new Map<string, { principal: Principal; at: number }>()

  router.get('/ping', (_req, res) => void res.type('text/plain').send('Ok.\n'))

  const handle = async (req: Request, res: Response) => {
    const cred = credentials(req)
    if (!cred) return chError(res, 401, 194, 'REQUIRED_PASSWORD', 'credentials are required: an analyst username and password (Basic auth or X-ClickHouse-User/X-ClickHouse-Key)')
    const key = crypto.createHash('sha256').update(`${cred.user}\0${cred.password}`).digest('hex')
    let principal = signedIn.get(key)
    // A remembered sign-in holds only while the user is as they were (not disabled, same role and scope).
    const now = deps.users.byUsername(cred.user)
    if (principal && (!now || now.disabledAt !== null || now.id !== principal.principal.id || now.role !== principal.principal.role || now.scope !== principal.principal.scope)) principal = undefined
    if (!principal || Date.now() - principal.at > AUTH_CACHE_MS) {
      signedIn.delete(key)
      const ip = req.ip ?? ''
      const wait = deps.throttle.retryAfter(ip, cred.user)
      if (wait > 0) {
        res.set('Retry-After', String(Math.ceil(wait / 1000)))
        return chError(res, 429, 516, 'AUTHENTICATION_FAILED', 'too many failed sign-ins; wait and try again')
      }
      deps.throttle.begin(ip, cred.user)
      const user = await deps.users.authenticate(cred.user, cred.password).catch((e: unknown) => {
        deps.throttle.fail(ip, cred.user)
        throw e
      })
      if (user) deps.throttle.succeed(ip, cred.user)
      else deps.throttle.fail(ip, cred.user)
      deps.audit.record({ actor: `user:${cred.user}`, action: 'sql.http.signin', ok: !!user, ip })
      if (!user) return chError(res, 401, 516, 'AUTHENTICATION_FAILED', `${cred.user}: wrong username or password`)
      principal = { principal: { kind: 'user', id: user.id, name: user.username, role: user.role, scope: user.scope }, at: Date.now() }
      if (signedIn.size > 1000) signedIn.clear()
      signedIn.set(key, principal)
    }
    const p = principal.principal
    if (!can(p, 'sql:run')) return chError(res, 403, 497, 'ACCESS_DENIED', `role ${p.role} may not use the SQL console`)

    const fromParam = typeof req.query.query === 'string' ? req.query.query : ''
    const fromBody = typeof req.body === 'string' ? req.body : ''
    const query = [fromParam, fromBody].filter((s) => s.trim()).join('\n')
    const defaultFormat = typeof req.query.default_format === 'string' ? req.query.default_format : 'TabSeparated'
    try {
      const out = await deps.console.runRaw({ userId: p.id, username: p.name, scope: p.scope }, query, defaultFormat)
      const type = CONTENT_TYPES.find(([re]) => re.test(out.format))?.[1] ?? 'text/plain; charset=UTF-8'
      res.set({ 'Content-Type': type, 'X-ClickHouse-Format': out.format, 'X-ClickHouse-Query-Id': out.runId, 'X-ClickHouse-Timezone': 'UTC' }).send(out.body)
    } catch (e) {
      if (e instanceof QueryRefused) return chError(res, 403, 164, 'READONLY', e.message)
      if (e instanceof ConsoleBusyError) {
        res.set('Retry-After', String(e.retryAfterSec))
        return chError(res, 503, 202, 'TOO_MANY_SIMULTANEOUS_QUERIES', e.message)
      }
      if (e instanceof QueryFailed) {
        const name = /\(([A-Z][A-Z0-9_]{2,})\)/.exec(e.message)?.[1] ?? 'BAD_ARGUMENTS'
        return chError(res, 400, 36, name, e.message.replace(/\s*\([A-Z][A-Z0-9_]{2,}\)\s*$/, ''))
      }
      throw e
    }
  }
  const body = express.text({ type: () => true, limit: '256kb' })
  router.get('/', (req, res, next) => void handle(req, res).catch(next))
  router.post('/', body, (req, res, next) => void handle(req, res).catch(next))
  return router
}
