/**
 * The authorisation matrix: every REST route and socket event, asked by every kind of caller
 * from several scopes, with forged and revoked credentials. Expectations are written out by
 * hand below (not derived from the server's own tables), so a policy change shows up here.
 *
 * Fixture (built in beforeAll through the admin API as the first admin):
 *   admin          city admin (bootstrap, GRIDPULSE_ADMIN_PASSWORD)
 *   dawanAdmin     admin scoped to street:qingbaijiang.dawan
 *   leader         leader, street:qingbaijiang.dawan
 *   analyst        analyst, district:tianfu
 *   displayCity    display token, city (GRIDPULSE_DISPLAY_TOKEN)
 *   displayDawan   display token, street:qingbaijiang.dawan
 *   ingestCity     ingest key, city (GRIDPULSE_INGEST_KEY)
 *   ingestShouan   ingest key, street:wenjiang.shouan
 *   forged         a made-up bearer token
 *   anonymous      nothing
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_PASSWORD, DISPLAY_TOKEN, INGEST_KEY, connectLive, signIn, startTestApp, subscribeOnce, type SignedIn, type TestApp } from '../support/app.ts'

type Caller = { kind: 'anonymous' } | { kind: 'token'; token: string } | { kind: 'session'; session: SignedIn }
const PASSWORD = 'matrix-password-0123'
let app: TestApp
let callers: Record<string, Caller>
let dawanMicroGrid: string
let n = 0

async function call(c: Caller, method: string, path: string, body?: unknown, opts: { csrf?: 'omit' | 'wrong' } = {}) {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = typeof body === 'string' ? 'text/csv' : 'application/json'
  if (c.kind === 'token') headers.authorization = `Bearer ${c.token}`
  if (c.kind === 'session') {
    headers.cookie = c.session.cookie
    if (opts.csrf !== 'omit') headers['x-csrf-token'] = opts.csrf === 'wrong' ? 'not-the-token' : c.session.csrf
  }
  const res = await fetch(`${app.url}${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }
}

function auth(c: Caller): { token?: string; cookie?: string } {
  return c.kind === 'token' ? { token: c.token } : c.kind === 'session' ? { cookie: c.session.cookie } : {}
}

const report = () => {
  const id = `AUTH-${process.pid}-${++n}`
  return { event_id: id, report_id: id, type: 'reported', at: new Date(app.now() - 1000).toISOString(), micro_grid: dawanMicroGrid, category: 'clutter' }
}

beforeAll(async () => {
  app = await startTestApp()
  dawanMicroGrid = app.registry().places.find((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))!.code
  const admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  const root: Caller = { kind: 'session', session: admin }
  for (const [username, role, scope] of [
    ['dawan-admin', 'admin', 'street:qingbaijiang.dawan'],
    ['leader', 'leader', 'street:qingbaijiang.dawan'],
    ['analyst', 'analyst', 'district:tianfu'],
  ] as const) {
    const r = await call(root, 'POST', '/api/v1/admin/users', { username, role, scope, password: PASSWORD })
    expect(r.status).toBe(201)
  }
  const displayDawan = await call(root, 'POST', '/api/v1/admin/keys', { kind: 'display', name: 'Dawan wall', scope: 'street:qingbaijiang.dawan' })
  const ingestShouan = await call(root, 'POST', '/api/v1/admin/keys', { kind: 'ingest', name: 'Shouan app', scope: 'street:wenjiang.shouan' })
  callers = {
    anonymous: { kind: 'anonymous' },
    admin: root,
    dawanAdmin: { kind: 'session', session: await signIn(app.url, 'dawan-admin', PASSWORD) },
    leader: { kind: 'session', session: await signIn(app.url, 'leader', PASSWORD) },
    analyst: { kind: 'session', session: await signIn(app.url, 'analyst', PASSWORD) },
    displayCity: { kind: 'token', token: DISPLAY_TOKEN },
    displayDawan: { kind: 'token', token: displayDawan.body.secret as string },
    ingestCity: { kind: 'token', token: INGEST_KEY },
    ingestShouan: { kind: 'token', token: ingestShouan.body.secret as string },
    forged: { kind: 'token', token: 'gpd_forged-token-that-was-never-issued' },
  }
})

afterAll(async () => {
  await app?.stopAndClean()
})

const WHO = ['anonymous', 'admin', 'dawanAdmin', 'leader', 'analyst', 'displayCity', 'displayDawan', 'ingestCity', 'ingestShouan', 'forged'] as const
type Who = (typeof WHO)[number]

/** Expected status per caller, in WHO order. */
const READ_ROUTES: Array<[string, string, Record<Who, number>]> = [
  ['GET', '/api/v1/registry', { anonymous: 401, admin: 200, dawanAdmin: 200, leader: 200, analyst: 200, displayCity: 200, displayDawan: 200, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/live', { anonymous: 401, admin: 200, dawanAdmin: 200, leader: 200, analyst: 200, displayCity: 200, displayDawan: 200, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/live?scope=city', { anonymous: 401, admin: 200, dawanAdmin: 403, leader: 403, analyst: 403, displayCity: 200, displayDawan: 403, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/live?scope=street:qingbaijiang.dawan', { anonymous: 401, admin: 200, dawanAdmin: 200, leader: 200, analyst: 403, displayCity: 200, displayDawan: 200, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/live?scope=community:qingbaijiang.dawan.tuanjielu', { anonymous: 401, admin: 200, dawanAdmin: 200, leader: 200, analyst: 403, displayCity: 200, displayDawan: 200, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/live?scope=district:tianfu', { anonymous: 401, admin: 200, dawanAdmin: 403, leader: 403, analyst: 200, displayCity: 200, displayDawan: 403, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/admin/users', { anonymous: 401, admin: 200, dawanAdmin: 200, leader: 403, analyst: 403, displayCity: 403, displayDawan: 403, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/admin/keys', { anonymous: 401, admin: 200, dawanAdmin: 200, leader: 403, analyst: 403, displayCity: 403, displayDawan: 403, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/admin/sla', { anonymous: 401, admin: 200, dawanAdmin: 200, leader: 403, analyst: 403, displayCity: 403, displayDawan: 403, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/admin/audit', { anonymous: 401, admin: 200, dawanAdmin: 403, leader: 403, analyst: 403, displayCity: 403, displayDawan: 403, ingestCity: 403, ingestShouan: 403, forged: 401 }],
  ['GET', '/api/v1/session', { anonymous: 200, admin: 200, dawanAdmin: 200, leader: 200, analyst: 200, displayCity: 200, displayDawan: 200, ingestCity: 200, ingestShouan: 200, forged: 401 }],
]

describe('REST routes × callers', () => {
  for (const [method, path, expected] of READ_ROUTES) {
    it(`${method} ${path}`, async () => {
      const got: Record<string, number> = {}
      for (const who of WHO) got[who] = (await call(callers[who]!, method, path)).status
      expect(got).toEqual(expected)
    })
  }

  it('POST /api/v1/reports: only ingest keys write, and only inside their scope', async () => {
    const got: Record<string, number> = {}
    for (const who of WHO) got[who] = (await call(callers[who]!, 'POST', '/api/v1/reports', report())).status
    // ingestShouan's key is valid but the row lies in Dawan: the row is refused, so 400.
    expect(got).toEqual({ anonymous: 401, admin: 403, dawanAdmin: 403, leader: 403, analyst: 403, displayCity: 403, displayDawan: 403, ingestCity: 200, ingestShouan: 400, forged: 401 })
    const outside = await call(callers.ingestShouan!, 'POST', '/api/v1/reports', report())
    expect((outside.body.rejected as Array<{ error: string }>)[0]!.error).toMatch(/outside this key's scope street:wenjiang.shouan/)
  })

  it('POST /api/v1/admin/users: admins only, and only inside their own scope', async () => {
    const body = (username: string, scope: string) => ({ username, role: 'leader', scope, password: PASSWORD })
    const got: Record<string, number> = {}
    for (const who of WHO) got[who] = (await call(callers[who]!, 'POST', '/api/v1/admin/users', body(`u-${who}`, 'street:qingbaijiang.dawan'))).status
    expect(got).toEqual({ anonymous: 401, admin: 201, dawanAdmin: 201, leader: 403, analyst: 403, displayCity: 403, displayDawan: 403, ingestCity: 403, ingestShouan: 403, forged: 401 })
    const wider = await call(callers.dawanAdmin!, 'POST', '/api/v1/admin/users', body('u-wider', 'city'))
    expect(wider).toEqual({ status: 403, body: { error: 'city is outside your scope (street:qingbaijiang.dawan)' } })
    const unknown = await call(callers.admin!, 'POST', '/api/v1/admin/users', body('u-nowhere', 'street:atlantis'))
    expect(unknown.status).toBe(400)
  })

  it('admin writes that need a city-scope admin refuse a street admin', async () => {
    expect((await call(callers.dawanAdmin!, 'PUT', '/api/v1/admin/sla', { sla: { emergency: { verifyMin: 5, resolveMin: 30 } } })).status).toBe(403)
    expect((await call(callers.dawanAdmin!, 'POST', '/api/v1/admin/registry', 'code,level\n')).status).toBe(403)
    expect((await call(callers.admin!, 'PUT', '/api/v1/admin/sla', { sla: { emergency: { verifyMin: 5, resolveMin: 30 } } })).status).toBe(200)
    expect((await call(callers.admin!, 'GET', '/api/v1/admin/sla')).body).toMatchObject({ sla: { emergency: { verifyMin: 5, resolveMin: 30 } } })
  })

  it('a street admin lists only the users inside the street', async () => {
    const r = await call(callers.dawanAdmin!, 'GET', '/api/v1/admin/users')
    const names = (r.body.users as Array<{ username: string }>).map((u) => u.username)
    expect(names).toContain('leader')
    expect(names).not.toContain('analyst')
    expect(names).not.toContain('admin')
  })
})

describe('CSRF and sessions', () => {
  it('refuses a session write without the CSRF token or with a wrong one', async () => {
    const body = { kind: 'display', name: 'x', scope: 'city' }
    expect(await call(callers.admin!, 'POST', '/api/v1/admin/keys', body, { csrf: 'omit' })).toMatchObject({ status: 403, body: { error: expect.stringMatching(/CSRF/) } })
    expect((await call(callers.admin!, 'POST', '/api/v1/admin/keys', body, { csrf: 'wrong' })).status).toBe(403)
    expect((await call(callers.admin!, 'POST', '/api/v1/admin/keys', body)).status).toBe(201)
  })

  it('sets an httpOnly, SameSite session cookie and ends the session on sign-out', async () => {
    const res = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'leader', password: PASSWORD }) })
    const setCookie = res.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^gp_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/)
    const session: SignedIn = { cookie: setCookie.split(';')[0]!, csrf: ((await res.json()) as { csrfToken: string }).csrfToken }
    const me: Caller = { kind: 'session', session }
    expect((await call(me, 'GET', '/api/v1/live')).status).toBe(200)
    expect((await call(me, 'DELETE', '/api/v1/session', undefined, { csrf: 'omit' })).status).toBe(403)
    expect((await call(me, 'DELETE', '/api/v1/session')).status).toBe(204)
    expect((await call(me, 'GET', '/api/v1/live')).status).toBe(401)
  })

  it('answers a wrong password with 401 and throttles repeated failures with 429 and Retry-After', async () => {
    const attempt = () => fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'analyst', password: 'wrong-password' }) })
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await attempt()).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401])
    const blocked = await attempt()
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    // Even the right password waits out the window.
    const right = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'analyst', password: PASSWORD }) })
    expect(right.status).toBe(429)
  })

  it('audits sign-ins and admin actions', async () => {
    const r = await call(callers.admin!, 'GET', '/api/v1/admin/audit?limit=500')
    const actions = (r.body.entries as Array<{ action: string; ok: boolean; actor: string }>).map((e) => `${e.action}:${e.ok ? 'ok' : 'fail'}`)
    expect(actions).toEqual(expect.arrayContaining(['session.sign_in:ok', 'session.sign_in:fail', 'user.create:ok', 'key.create:ok', 'sla.update:ok', 'key.use:ok']))
  })
})

describe('socket events × callers', () => {
  it('lets only users and display tokens connect', async () => {
    const outcome: Record<string, string> = {}
    for (const who of WHO) {
      const socket = connectLive(app.url, auth(callers[who]!))
      outcome[who] = await new Promise<string>((resolve) => {
        socket.on('connect', () => resolve('connected'))
        socket.on('connect_error', (e) => resolve(`refused: ${e.message}`))
      })
      socket.close()
    }
    expect(outcome).toEqual({
      anonymous: 'refused: sign in first (or pass a display token)',
      admin: 'connected',
      dawanAdmin: 'connected',
      leader: 'connected',
      analyst: 'connected',
      displayCity: 'connected',
      displayDawan: 'connected',
      ingestCity: 'refused: an ingest key may not read live figures',
      ingestShouan: 'refused: an ingest key may not read live figures',
      forged: 'refused: this token is not valid (unknown, revoked or rotated)',
    })
  })

  it('live:subscribe answers only scopes inside the caller’s own', async () => {
    const readers = ['admin', 'dawanAdmin', 'leader', 'analyst', 'displayCity', 'displayDawan'] as const
    const scopes = ['city', 'street:qingbaijiang.dawan', 'district:tianfu'] as const
    const got: Record<string, string> = {}
    for (const who of readers) {
      for (const scope of scopes) {
        const ack = await subscribeOnce(app.url, scope, auth(callers[who]!))
        got[`${who} ${scope}`] = ack.ok ? 'ok' : ack.error
      }
    }
    expect(got).toEqual({
      'admin city': 'ok',
      'admin street:qingbaijiang.dawan': 'ok',
      'admin district:tianfu': 'ok',
      'dawanAdmin city': 'city is outside your scope (street:qingbaijiang.dawan)',
      'dawanAdmin street:qingbaijiang.dawan': 'ok',
      'dawanAdmin district:tianfu': 'district:tianfu is outside your scope (street:qingbaijiang.dawan)',
      'leader city': 'city is outside your scope (street:qingbaijiang.dawan)',
      'leader street:qingbaijiang.dawan': 'ok',
      'leader district:tianfu': 'district:tianfu is outside your scope (street:qingbaijiang.dawan)',
      'analyst city': 'city is outside your scope (district:tianfu)',
      'analyst street:qingbaijiang.dawan': 'street:qingbaijiang.dawan is outside your scope (district:tianfu)',
      'analyst district:tianfu': 'ok',
      'displayCity city': 'ok',
      'displayCity street:qingbaijiang.dawan': 'ok',
      'displayCity district:tianfu': 'ok',
      'displayDawan city': 'city is outside your scope (street:qingbaijiang.dawan)',
      'displayDawan street:qingbaijiang.dawan': 'ok',
      'displayDawan district:tianfu': 'district:tianfu is outside your scope (street:qingbaijiang.dawan)',
    })
  })
})

describe('revocation takes effect at once', () => {
  async function openSocket(a: { token?: string; cookie?: string }) {
    const socket = connectLive(app.url, a)
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve())
      socket.on('connect_error', reject)
    })
    const closed = new Promise<string>((resolve) => socket.on('disconnect', (reason) => resolve(reason)))
    return { socket, closed }
  }

  it('a revoked display token stops on REST and drops its open socket', async () => {
    const root = callers.admin!
    const created = await call(root, 'POST', '/api/v1/admin/keys', { kind: 'display', name: 'to revoke', scope: 'city' })
    const token = created.body.secret as string
    const { closed } = await openSocket({ token })
    expect((await call({ kind: 'token', token }, 'GET', '/api/v1/live')).status).toBe(200)
    expect((await call(root, 'POST', `/api/v1/admin/keys/${(created.body.key as { id: string }).id}/revoke`)).status).toBe(200)
    expect(await closed).toBe('io server disconnect')
    expect((await call({ kind: 'token', token }, 'GET', '/api/v1/live')).status).toBe(401)
  })

  it('a rotated key stops working under its old secret, and works under the new one', async () => {
    const root = callers.admin!
    const created = await call(root, 'POST', '/api/v1/admin/keys', { kind: 'ingest', name: 'to rotate', scope: 'city' })
    const id = (created.body.key as { id: string }).id
    const rotated = await call(root, 'POST', `/api/v1/admin/keys/${id}/rotate`)
    expect((await call({ kind: 'token', token: created.body.secret as string }, 'POST', '/api/v1/reports', report())).status).toBe(401)
    expect((await call({ kind: 'token', token: rotated.body.secret as string }, 'POST', '/api/v1/reports', report())).status).toBe(200)
  })

  it('disabling a user ends their sessions and drops their open socket', async () => {
    const root = callers.admin!
    const made = await call(root, 'POST', '/api/v1/admin/users', { username: 'to-disable', role: 'leader', scope: 'city', password: PASSWORD })
    const session = await signIn(app.url, 'to-disable', PASSWORD)
    const { closed } = await openSocket({ cookie: session.cookie })
    expect((await call(root, 'PATCH', `/api/v1/admin/users/${made.body.id as string}`, { disabled: true })).status).toBe(200)
    expect(await closed).toBe('io server disconnect')
    expect((await call({ kind: 'session', session }, 'GET', '/api/v1/live')).status).toBe(401)
    const again = await fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'to-disable', password: PASSWORD }) })
    expect(again.status).toBe(401)
  })
})

describe('hardening', () => {
  it('refuses parallel wrong passwords past the limit, not only sequential ones', async () => {
    const root = callers.admin!
    expect((await call(root, 'POST', '/api/v1/admin/users', { username: 'parallel-target', role: 'leader', scope: 'city', password: PASSWORD })).status).toBe(201)
    const attempt = () => fetch(`${app.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'parallel-target', password: 'wrong-password' }) })
    const statuses = (await Promise.all(Array.from({ length: 12 }, attempt))).map((r) => r.status)
    expect(statuses.filter((st) => st === 401).length).toBeLessThanOrEqual(5)
    expect(statuses.filter((st) => st === 429).length).toBeGreaterThanOrEqual(7)
  })

  it('takes ?token= only for display tokens on reads, never an ingest key', async () => {
    const viaQuery = await fetch(`${app.url}/api/v1/reports?token=${INGEST_KEY}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(report()) })
    expect(viaQuery.status).toBe(401)
    const readWithIngest = await fetch(`${app.url}/api/v1/session?token=${INGEST_KEY}`)
    expect(readWithIngest.status).toBe(401)
    expect(((await readWithIngest.json()) as { error: string }).error).toMatch(/only a display token may be passed as \?token=/)
    expect((await fetch(`${app.url}/api/v1/live?token=${DISPLAY_TOKEN}`)).status).toBe(200)
  })

  it('answers a mangled session cookie with 401, not 500', async () => {
    const res = await fetch(`${app.url}/api/v1/live`, { headers: { cookie: 'gp_session=%E0%A4%A' } })
    expect(res.status).toBe(401)
  })

  it('lets a street admin act on nothing outside the street', async () => {
    const dawan = callers.dawanAdmin!
    const adminUser = ((await call(callers.admin!, 'GET', '/api/v1/admin/users')).body.users as Array<{ id: string; username: string }>).find((u) => u.username === 'admin')!
    expect((await call(dawan, 'PATCH', `/api/v1/admin/users/${adminUser.id}`, { password: 'taken-over-0123' })).status).toBe(404)
    expect((await call(dawan, 'POST', '/api/v1/admin/keys/env-ingest/revoke')).status).toBe(404)
    expect((await call(dawan, 'POST', '/api/v1/admin/keys/env-display/rotate')).status).toBe(404)
    expect((await call(dawan, 'GET', '/api/v1/admin/audit')).status).toBe(403)
  })

  it('needs the CSRF token on every session write', async () => {
    const root = callers.admin!
    const leaderId = ((await call(root, 'GET', '/api/v1/admin/users')).body.users as Array<{ id: string; username: string }>).find((u) => u.username === 'leader')!.id
    const writes: Array<[string, string, unknown]> = [
      ['PATCH', `/api/v1/admin/users/${leaderId}`, { displayName: 'x' }],
      ['POST', '/api/v1/admin/keys/env-display/rotate', undefined],
      ['POST', '/api/v1/admin/keys/env-display/revoke', undefined],
      ['PUT', '/api/v1/admin/sla', { sla: { other: { verifyMin: 480, resolveMin: 4320 } } }],
      ['POST', '/api/v1/admin/registry', 'code,level,parent,name,name_en,households,key_households,lat,lon\n'],
      ['POST', '/api/v1/admin/users', { username: 'csrf-less', role: 'leader', scope: 'city', password: PASSWORD }],
    ]
    for (const [method, path, body] of writes) {
      const r = await call(root, method, path, body, { csrf: 'omit' })
      expect([method, path, r.status]).toEqual([method, path, 403])
    }
    // Nothing happened: the display token still works.
    expect((await call(callers.displayCity!, 'GET', '/api/v1/live')).status).toBe(200)
  })

  it('checks who is asking before reading an admin body', async () => {
    const res = await fetch(`${app.url}/api/v1/admin/registry`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'x'.repeat(1_000_000) })
    expect(res.status).toBe(401)
  })

  it('refuses to change your own scope, and your own new password ends your other sessions', async () => {
    const me = ((await call(callers.dawanAdmin!, 'GET', '/api/v1/admin/users')).body.users as Array<{ id: string; username: string }>).find((u) => u.username === 'dawan-admin')!
    const narrow = await call(callers.dawanAdmin!, 'PATCH', `/api/v1/admin/users/${me.id}`, { scope: 'community:qingbaijiang.dawan.tuanjielu' })
    expect(narrow.status).toBe(400)
    const other: Caller = { kind: 'session', session: await signIn(app.url, 'dawan-admin', PASSWORD) }
    expect((await call(callers.dawanAdmin!, 'PATCH', `/api/v1/admin/users/${me.id}`, { password: PASSWORD })).status).toBe(200)
    expect((await call(other, 'GET', '/api/v1/live')).status).toBe(401)
    expect((await call(callers.dawanAdmin!, 'GET', '/api/v1/live')).status).toBe(200)
  })

  it('lists only the caller’s subtree of the registry', async () => {
    const places = (await call(callers.leader!, 'GET', '/api/v1/registry')).body.places as Array<{ code: string; level: string }>
    expect(places.some((p) => p.level === 'city' || p.level === 'district')).toBe(false)
    expect(places.every((p) => p.code === 'qingbaijiang.dawan' || p.code.startsWith('qingbaijiang.dawan.'))).toBe(true)
    expect(places.filter((p) => p.level === 'micro_grid')).toHaveLength(836)
  })
})

describe('registry import by a city admin', () => {
  it('replaces the registry: the CSV is the whole registry, named errors refuse a bad one', async () => {
    const root = callers.admin!
    const bad = await call(root, 'POST', '/api/v1/admin/registry', 'code,level,parent,name,name_en,households,key_households,lat,lon\ncd,city,,成都市,Chengdu,,,30,abc\n')
    expect(bad).toEqual({ status: 400, body: { error: 'line 2, column lon: "abc" must be a number from -180 to 180' } })
    const csv = [
      'code,level,parent,name,name_en,households,key_households,lat,lon',
      'chengdu,city,,成都市,Chengdu,,,30.66,104.06',
      'wenjiang,district,chengdu,温江区,Wenjiang District,,,30.69,103.83',
      'wenjiang.shouan,street,wenjiang,寿安镇,Shouan Town,,,30.62,103.72',
      'wenjiang.shouan.wujiachang,community,wenjiang.shouan,吴家场社区,Wujiachang Community,,,30.62,103.72',
      'wenjiang.shouan.wujiachang.g01,grid,wenjiang.shouan.wujiachang,第1网格,Grid 1,,,30.62,103.72',
      'wenjiang.shouan.wujiachang.g01.m01,micro_grid,wenjiang.shouan.wujiachang.g01,第1-1微网格,Micro-grid 1-1,64,9,30.62,103.72',
    ].join('\n')
    expect(await call(root, 'POST', '/api/v1/admin/registry', csv)).toEqual({ status: 200, body: { places: 6 } })
    const listed = await call(root, 'GET', '/api/v1/registry')
    expect((listed.body.places as Array<{ code: string }>).map((p) => p.code).sort()).toEqual([
      'chengdu',
      'wenjiang',
      'wenjiang.shouan',
      'wenjiang.shouan.wujiachang',
      'wenjiang.shouan.wujiachang.g01',
      'wenjiang.shouan.wujiachang.g01.m01',
    ])
    // Users whose place is gone are still listed for a city admin, and can be disabled.
    const users = (await call(root, 'GET', '/api/v1/admin/users')).body.users as Array<{ id: string; username: string }>
    const leader = users.find((u) => u.username === 'leader')
    expect(leader).toBeDefined()
    expect((await call(root, 'PATCH', `/api/v1/admin/users/${leader!.id}`, { disabled: true })).status).toBe(200)
    // Events for a micro-grid no longer in the registry are refused, named.
    const gone = await call(callers.ingestCity!, 'POST', '/api/v1/reports', report())
    expect((gone.body.rejected as Array<{ error: string }>)[0]!.error).toMatch(/micro_grid: unknown micro-grid/)
  })
})
