/**
 * `/api/v1/session`: who am I (GET), sign in (POST), sign out (DELETE). Sign-in is throttled
 * per address and per username, and every attempt is audited.
 */
import express, { type Request, type Response } from 'express'
import { z } from 'zod'
import type { SessionInfo } from '../contracts/auth.ts'
import type { Auth } from '../auth/http.ts'
import { HttpError, principalOf, readCookie, requireCsrf } from '../auth/http.ts'
import { SESSION_COOKIE, SESSION_TTL_MS } from '../auth/sessions.ts'
import type { LoginThrottle } from '../auth/throttle.ts'

const signInSchema = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) })

export function sessionRoutes(auth: Auth, throttle: LoginThrottle, secureCookies: boolean) {
  const { users, sessions, audit } = auth.deps
  const router = express.Router()
  const cookie = (value: string, maxAgeSec: number) =>
    `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secureCookies ? '; Secure' : ''}`

  const info = (res: Response): SessionInfo => {
    const p = principalOf(res)
    if (!p) return { user: null, csrfToken: null }
    const u = p.kind === 'user' ? users.get(p.id) : undefined
    return {
      user: { id: p.id, username: p.name, displayName: u?.displayName ?? p.name, role: p.role, scope: p.scope, demo: u?.demo ?? false },
      csrfToken: p.csrfToken ?? null,
    }
  }

  router.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store')
    res.json(info(res))
  })

  router.post('/', express.json({ limit: '4kb' }), async (req: Request, res: Response) => {
    const parsed = signInSchema.safeParse(req.body)
    if (!parsed.success) throw new HttpError(400, 'send {"username": …, "password": …}')
    const { username, password } = parsed.data
    const ip = req.ip ?? ''
    const wait = throttle.retryAfter(ip, username)
    if (wait > 0) {
      audit.record({ actor: 'anonymous', action: 'session.sign_in', target: username, ok: false, ip, detail: 'throttled' })
      throw new HttpError(429, `too many failed sign-ins; try again in ${wait} s`, { 'Retry-After': String(wait) })
    }
    throttle.begin(ip, username)
    const user = await users.authenticate(username, password).catch((e: unknown) => {
      throttle.fail(ip, username)
      throw e
    })
    if (!user) {
      throttle.fail(ip, username)
      audit.record({ actor: 'anonymous', action: 'session.sign_in', target: username, ok: false, ip, detail: 'wrong username or password' })
      throw new HttpError(401, 'wrong username or password')
    }
    throttle.succeed(ip, username)
    const { cookie: value, session } = await sessions.create(user.id)
    audit.record({ actor: `user:${user.username}`, action: 'session.sign_in', target: user.username, ip })
    res.setHeader('Set-Cookie', cookie(value, Math.floor(SESSION_TTL_MS / 1000)))
    res.setHeader('Cache-Control', 'no-store')
    const body: SessionInfo = {
      user: { id: user.id, username: user.username, displayName: user.displayName, role: user.role, scope: user.scope, demo: user.demo },
      csrfToken: session.csrfToken,
    }
    res.json(body)
  })

  router.delete('/', async (req: Request, res: Response) => {
    const p = principalOf(res)
    if (p?.kind === 'user') {
      requireCsrf(req, p)
      const session = sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE))
      if (session) await sessions.end(session)
      audit.record({ actor: `user:${p.name}`, action: 'session.sign_out', target: p.name, ip: req.ip ?? '' })
    }
    res.setHeader('Set-Cookie', cookie('', 0))
    res.status(204).end()
  })

  return router
}
