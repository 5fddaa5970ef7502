/**
 * `/api/v1/admin/*`: users, display tokens and ingest keys, the registry, SLA settings, the
 * audit log. Admins only; every write needs the CSRF token and is audited. An admin sees and
 * grants only scopes inside their own.
 */
import express, { type Request, type Response } from 'express'
import { z } from 'zod'
import { parseBody } from './body.ts'
import type { KeySecret, UserView } from '../contracts/auth.ts'
import { USER_ROLES } from '../contracts/auth.ts'
import type { Scope } from '../contracts/live.ts'
import type { Place } from '../contracts/registry.ts'
import { HttpError, requireCsrf, requirePermission, requireScope, type Auth } from '../auth/http.ts'
import { actorOf, isKnownScope, scopeCovers, type Principal } from '../auth/principal.ts'
import { MIN_PASSWORD_LENGTH } from '../auth/passwords.ts'
import { userView } from '../auth/users.ts'
import type { SlaStore } from '../sla.ts'
import { CATEGORIES, type Category } from '../../ingest/schema.ts'
import { RegistryCsvError, registryFromCsv } from '../../ingest/registry/csv.ts'

export interface AdminDeps {
  auth: Auth
  sla: SlaStore
  /** Saves an imported registry and puts it in force. */
  importRegistry: (places: Place[]) => Promise<void>
}

const password = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(256)
const username = z
  .string()
  .regex(/^[A-Za-z0-9._-]{2,64}$/, 'must be 2–64 of A–Z a–z 0–9 . _ -')
const scope = z.string().max(140)
const role = z.enum(USER_ROLES as [string, ...string[]])

const userCreate = z.strictObject({ username, displayName: z.string().max(64).optional(), role, scope, password })
const userPatch = z.strictObject({ displayName: z.string().max(64).optional(), role: role.optional(), scope: scope.optional(), password: password.optional(), disabled: z.boolean().optional() })
const keyCreate = z.strictObject({ kind: z.enum(['ingest', 'display']), name: z.string().min(1).max(64), scope })
const slaBody = z.strictObject({
  sla: z.partialRecord(z.enum(CATEGORIES), z.strictObject({ verifyMin: z.number().int().min(1).max(525_600), resolveMin: z.number().int().min(1).max(525_600) })),
})


export function adminRoutes(deps: AdminDeps) {
  const { users, sessions, keys, audit, registry } = deps.auth.deps
  const router = express.Router()

  /** Every admin route: admin role; writes also CSRF. */
  const admin = (req: Request, res: Response): Principal => {
    const p = requirePermission(res, 'admin')
    if (req.method !== 'GET') requireCsrf(req, p)
    return p
  }
  /** A scope the admin may grant: real, and inside their own. */
  const grantable = (p: Principal, raw: string): Scope => {
    if (!isKnownScope(registry(), raw)) throw new HttpError(400, `scope: "${raw}" is not a known city, district:<code>, street:<code> or community:<code>`)
    requireScope(registry(), p, raw)
    return raw
  }
  const record = (req: Request, p: Principal, action: string, target: string, detail = '') =>
    audit.record({ actor: actorOf(p), action, target, ip: req.ip ?? '', detail })

  // Who is asking comes before any body is read: an anonymous caller gets 401, not a parse error.
  router.use((req, res, next) => {
    admin(req, res)
    next()
  })
  router.use(express.json({ limit: '64kb' }))

  router.get('/users', (req, res) => {
    const p = admin(req, res)
    const visible = users.list().filter((u) => scopeVisible(deps, p, u.scope))
    res.json({ users: visible.map(userView) })
  })

  router.post('/users', async (req, res) => {
    const p = admin(req, res)
    const body = parseBody(userCreate, req.body)
    if (users.byUsername(body.username)) throw new HttpError(409, `username "${body.username}" is taken`)
    const user = await users.create({ ...body, role: body.role as UserView['role'], scope: grantable(p, body.scope) })
    record(req, p, 'user.create', user.username, `${user.role} ${user.scope}`)
    res.status(201).json(userView(user))
  })

  router.patch('/users/:id', async (req, res) => {
    const p = admin(req, res)
    const target = users.get(String(req.params.id))
    if (!target || !scopeVisible(deps, p, target.scope)) throw new HttpError(404, 'no such user')
    const body = parseBody(userPatch, req.body)
    if (target.id === p.id && (body.disabled === true || (body.role !== undefined && body.role !== 'admin') || (body.scope !== undefined && body.scope !== p.scope))) {
      throw new HttpError(400, 'you cannot disable yourself, drop your own admin role or change your own scope; ask another admin')
    }
    const user = await users.update(target.id, {
      ...body,
      role: body.role as UserView['role'] | undefined,
      scope: body.scope === undefined ? undefined : grantable(p, body.scope),
    })
    // A changed role, scope, password or status takes effect now: their sessions end (sockets
    // too); changing your own password ends your other sessions, keeping this one.
    if (body.role !== undefined || body.scope !== undefined || body.password !== undefined || body.disabled === true) {
      await sessions.endAllOf(target.id, target.id === p.id ? p.sessionId : undefined)
    }
    record(req, p, 'user.update', user.username, Object.keys(body).filter((k) => k !== 'password').join(',') + (body.password ? ',password' : ''))
    res.json(userView(user))
  })

  router.get('/keys', (req, res) => {
    const p = admin(req, res)
    res.json({ keys: keys.list().filter((k) => scopeVisible(deps, p, k.scope)) })
  })

  router.post('/keys', async (req, res) => {
    const p = admin(req, res)
    const body = parseBody(keyCreate, req.body)
    const created: KeySecret = await keys.create(body.kind, body.name, grantable(p, body.scope))
    record(req, p, 'key.create', created.key.id, `${body.kind} ${body.scope} "${body.name}"`)
    res.status(201).json(created)
  })

  router.post('/keys/:id/revoke', async (req, res) => {
    const p = admin(req, res)
    const k = keys.get(String(req.params.id))
    if (!k || !scopeVisible(deps, p, k.scope)) throw new HttpError(404, 'no such key')
    const view = await keys.revoke(k.id)
    record(req, p, 'key.revoke', k.id)
    res.json(view)
  })

  router.post('/keys/:id/rotate', async (req, res) => {
    const p = admin(req, res)
    const k = keys.get(String(req.params.id))
    if (!k || !scopeVisible(deps, p, k.scope)) throw new HttpError(404, 'no such key')
    const rotated = await keys.rotate(k.id)
    if (!rotated) throw new HttpError(409, 'a revoked key cannot be rotated; create a new one')
    record(req, p, 'key.rotate', k.id)
    res.json(rotated)
  })

  router.post('/registry', express.text({ type: () => true, limit: '32mb' }), async (req, res) => {
    const p = admin(req, res)
    if (p.scope !== 'city') throw new HttpError(403, 'only a city-scope admin may replace the registry')
    if (typeof req.body !== 'string' || req.body.trim() === '') throw new HttpError(400, 'send the registry CSV as the body')
    let places: Place[]
    try {
      places = registryFromCsv(req.body)
    } catch (e) {
      if (e instanceof RegistryCsvError) throw new HttpError(400, e.message)
      throw e
    }
    await deps.importRegistry(places)
    record(req, p, 'registry.import', `${places.length} places`)
    res.json({ places: places.length })
  })

  router.get('/sla', (req, res) => {
    admin(req, res)
    res.json({ sla: deps.sla.get() })
  })

  router.put('/sla', async (req, res) => {
    const p = admin(req, res)
    if (p.scope !== 'city') throw new HttpError(403, 'only a city-scope admin may change the SLA')
    const body = parseBody(slaBody, req.body)
    const next = { ...deps.sla.get() }
    for (const [c, v] of Object.entries(body.sla)) next[c as Category] = v
    await deps.sla.set(next, actorOf(p))
    record(req, p, 'sla.update', Object.keys(body.sla).join(','))
    res.json({ sla: deps.sla.get() })
  })

  router.get('/audit', async (req, res) => {
    const p = admin(req, res)
    if (p.scope !== 'city') throw new HttpError(403, 'only a city-scope admin may read the audit log')
    const limit = Math.min(Math.max(Number(req.query.limit ?? 200) || 200, 1), 5000)
    res.json({ entries: await audit.latest(limit) })
  })

  return router
}

/**
 * Admins see users and keys inside their own scope only; a city admin sees all of them, also
 * those whose place a registry import removed (so they can still be disabled or revoked).
 */
function scopeVisible(deps: AdminDeps, p: Principal, scope: Scope): boolean {
  return p.scope === 'city' || scopeCovers(deps.auth.deps.registry(), p.scope, scope)
}
