/**
 * Scaled out with real processes: Debian's redis-server, `npm run store` (the embedded engine
 * over the ClickHouse HTTP interface) and two `npm start` replicas on both (REDIS_URL,
 * CLICKHOUSE_URL), started at the same time. One replica computes the live figures for both;
 * a socket on either sees what was ingested through the other; killing the replica that
 * computes moves its wall clients (through a load balancer) to the other without losing state,
 * and the other takes over the computation and the rollups.
 * Fixture: temp data dirs per process; the demo registry, no events; ingest key KEY and display
 * token TOKEN (city scope); live lease 2 s (rollup lease 20 s).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { io as ioClient, type Socket } from 'socket.io-client'
import type { ClientToServerEvents, LiveSnapshot, ServerToClientEvents, TickerItem } from '../../server/contracts/live.ts'
import { applyMergePatch } from '../../server/contracts/mergePatch.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { eventually, metric, startChild, type Child } from '../support/processes.ts'
import { startBalancer, type Balancer } from '../support/balancer.ts'
import { startRedis, type RedisServer } from '../support/redis.ts'
import { signIn } from '../support/app.ts'

const KEY = 'replicas-ingest-key-0123456789'
const TOKEN = 'replicas-display-token-0123456789'
const ADMIN_PASSWORD = 'replicas-admin-password-0123'
const dirs = { store: tmp('store'), a: tmp('a'), b: tmp('b') }
const microGrid = demoRegistry(20221107).find((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))!.code
let redis: RedisServer
let store: Child
const replicas: Child[] = []
const clients: Wall[] = []
let balancer: Balancer | undefined
let seq = 0

function tmp(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `gridpulse-replica-${name}-`))
}

const startReplica = (env: Record<string, string>, dir: string) =>
  startChild(
    'server/main.ts',
    { ...env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dir, GRIDPULSE_DEMO: 'registry', GRIDPULSE_INGEST_KEY: KEY, GRIDPULSE_DISPLAY_TOKEN: TOKEN, GRIDPULSE_ADMIN_PASSWORD: ADMIN_PASSWORD, LIVE_TICK_MS: '100', CLUSTER_LEASE_MS: '2000', INGEST_FLUSH_MS: '20' },
    /(http:\/\/localhost:\d+)\//,
    120_000,
  )

function reported() {
  const id = `RP-${process.pid}-${++seq}`
  return { event_id: id, report_id: id, type: 'reported', at: new Date(Date.now() - 2000).toISOString(), micro_grid: microGrid, category: 'flying_wire_charging' }
}

async function ingest(url: string, n: number): Promise<string[]> {
  const events = Array.from({ length: n }, reported)
  const res = await fetch(`${url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(events) })
  expect(res.status).toBe(200)
  return events.map((e) => e.report_id)
}

interface Wall {
  socket: Socket<ServerToClientEvents, ClientToServerEvents>
  current: () => LiveSnapshot | undefined
  /** Snapshots taken (the first subscribe, and each after a reconnect or a gap). */
  subscribes: () => number
  ticker: TickerItem[]
  waitFor(pred: (s: LiveSnapshot) => boolean, ms?: number): Promise<LiveSnapshot>
}

/** A wall as the dashboard runs it: reconnects, and takes a fresh snapshot after a reconnect or a gap in seq. */
function wall(url: string, scope: string): Wall {
  const socket: Wall['socket'] = ioClient(`${url}/live`, { transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 500, auth: { token: TOKEN } })
  let snapshot: LiveSnapshot | undefined
  let subscribes = 0
  const ticker: TickerItem[] = []
  const listeners = new Set<() => void>()
  const changed = () => listeners.forEach((l) => l())
  const subscribe = () => {
    socket
      .timeout(8_000)
      .emitWithAck('live:subscribe', { scope })
      .then((ack) => {
        if (!ack.ok) throw new Error(ack.error)
        snapshot = ack.snapshot
        subscribes++
        changed()
      })
      .catch(() => setTimeout(() => socket.connected && subscribe(), 300))
  }
  socket.on('connect', subscribe)
  socket.on('live:patch', (p) => {
    if (!snapshot || p.scope !== scope || p.seq <= snapshot.seq) return
    if (p.seq !== snapshot.seq + 1) return subscribe()
    snapshot = { ...applyMergePatch(snapshot, p.patch), seq: p.seq }
    changed()
  })
  socket.on('live:report', (item) => ticker.push(item))
  const w: Wall = {
    socket,
    current: () => snapshot,
    subscribes: () => subscribes,
    ticker,
    waitFor: (pred, ms = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (snapshot && pred(snapshot)) {
            listeners.delete(check)
            clearTimeout(timer)
            resolve(snapshot)
          }
        }
        const timer = setTimeout(() => {
          listeners.delete(check)
          reject(new Error(`the wall did not reach the expected state in ${ms} ms; last today: ${JSON.stringify(snapshot?.today)}`))
        }, ms)
        listeners.add(check)
        check()
      }),
  }
  clients.push(w)
  return w
}

beforeAll(async () => {
  redis = await startRedis()
  store = await startChild('sql/serve.ts', { DATA_DIR: dirs.store, STORE_PORT: '0', STORE_HOST: '127.0.0.1' }, /on http:\/\/127\.0\.0\.1:(\d+)/)
  const env = { CLICKHOUSE_URL: `http://127.0.0.1:${store.url}/gridpulse`, REDIS_URL: redis.url }
  // Both at once, as an orchestrator starts them: they take turns to migrate and create accounts.
  const started = await Promise.allSettled([startReplica(env, dirs.a), startReplica(env, dirs.b)])
  for (const r of started) if (r.status === 'fulfilled') replicas.push(r.value)
  const failed = started.find((r) => r.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
})

afterAll(async () => {
  for (const c of clients) c.socket.close()
  await balancer?.close()
  for (const r of replicas) await r.kill('SIGTERM')
  await store?.kill('SIGTERM')
  await redis?.stop()
  for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true })
})

/** The replica that computes, and the one that follows. */
async function roles(): Promise<{ leader: Child; follower: Child }> {
  let found: { leader: Child; follower: Child } | undefined
  await eventually(async () => {
    const leading = await Promise.all(replicas.map((r) => metric(r.url, 'gridpulse_live_leading')))
    if (leading.filter((l) => l === 1).length !== 1) return false
    const i = leading.indexOf(1)
    found = { leader: replicas[i]!, follower: replicas[1 - i]! }
    return true
  }, 20_000, 'exactly one leading replica')
  return found!
}

describe('two replicas on Redis and one store', () => {
  it('started together, both serve, with one set of accounts', async () => {
    for (const r of replicas) expect((await fetch(`${r.url}/healthz`)).status).toBe(200)
    // One migration run: each version recorded once.
    const rs = await fetch(`http://127.0.0.1:${store.url}/?database=gridpulse&query=${encodeURIComponent('SELECT version, count() AS n FROM schema_migrations GROUP BY version HAVING n > 1 FORMAT JSONEachRow')}`)
    expect((await rs.text()).trim()).toBe('')
  })

  it('computes the live figures on one replica; a socket on either sees events ingested through the other', async () => {
    const { leader, follower } = await roles()
    const onFollower = wall(follower.url, 'city')
    const onLeader = wall(leader.url, 'street:qingbaijiang.dawan')
    const before = { follower: (await onFollower.waitFor(() => true)).today.reported, leader: (await onLeader.waitFor(() => true)).today.reported }

    const viaLeader = await ingest(leader.url, 3)
    await onFollower.waitFor((s) => s.today.reported === before.follower + 3)
    const viaFollower = await ingest(follower.url, 2)
    await onLeader.waitFor((s) => s.today.reported === before.leader + 5)
    await onFollower.waitFor((s) => s.today.reported === before.follower + 5)

    // The ticker carries each new report to the walls of both replicas, once.
    await eventually(async () => [...viaLeader, ...viaFollower].every((id) => onFollower.ticker.some((t) => t.reportId === id) && onLeader.ticker.some((t) => t.reportId === id)), 10_000, 'ticker items on both replicas')
    for (const w of [onFollower, onLeader]) expect(w.ticker.filter((t) => viaFollower.includes(t.reportId) || viaLeader.includes(t.reportId))).toHaveLength(5)

    // Computed once: the follower has never computed; it applied the leader's ticks.
    expect(await metric(follower.url, 'gridpulse_live_computes')).toBe(0)
    expect(await metric(follower.url, 'gridpulse_live_ticks_applied')).toBeGreaterThan(0)
    expect(await metric(leader.url, 'gridpulse_live_computes')).toBeGreaterThan(0)

    // A subscribe (socket or REST) answered by the follower is current.
    const rest = (await (await fetch(`${follower.url}/api/v1/live?scope=street:qingbaijiang.dawan`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as LiveSnapshot
    expect(rest.today).toEqual(onLeader.current()!.today)
    expect(rest.children).toEqual(onLeader.current()!.children)
  })

  it('folds the review rollups on exactly one replica', async () => {
    await eventually(async () => (await Promise.all(replicas.map((r) => metric(r.url, 'gridpulse_trends_rollup_maintaining')))).reduce((a, b) => a + b) === 1, 20_000, 'one rollup maintainer')
    // The other reads them once the maintainer has folded (it watches the maintainer's state).
    await eventually(async () => (await Promise.all(replicas.map((r) => metric(r.url, 'gridpulse_trends_rollup_ready')))).every((v) => v === 1), 30_000, 'rollups ready on both')
  })

  it('shares sign-ins and keys: a session and a key made on one replica work on the other, and a revocation closes sockets on both', async () => {
    const [one, other] = replicas as [Child, Child]
    const admin = await signIn(one.url, 'admin', ADMIN_PASSWORD)
    await eventually(async () => (await fetch(`${other.url}/api/v1/live?scope=city`, { headers: { cookie: admin.cookie } })).status === 200, 10_000, 'the session known on the other replica')

    const created = await fetch(`${one.url}/api/v1/admin/keys`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'display', name: 'lobby screen', scope: 'city' }),
    })
    expect(created.status).toBe(201)
    const { key, secret } = (await created.json()) as { key: { id: string }; secret: string }
    const sockets: Array<Wall['socket']> = []
    await eventually(async () => {
      const s: Wall['socket'] = ioClient(`${other.url}/live`, { transports: ['websocket'], forceNew: true, reconnection: false, auth: { token: secret } })
      sockets.push(s)
      return new Promise<boolean>((resolve) => {
        s.once('connect', () => resolve(true))
        s.once('connect_error', () => resolve(false))
      })
    }, 10_000, 'the new key accepted on the other replica')
    const onOther = sockets.at(-1)!
    const closed = new Promise<string>((resolve) => onOther.once('disconnect', (reason) => resolve(reason)))
    const revoked = await fetch(`${one.url}/api/v1/admin/keys/${key.id}/revoke`, { method: 'POST', headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } })
    expect(revoked.status).toBe(200)
    // Closed by the server (through the adapter), not by the client.
    expect(await closed).toBe('io server disconnect')
    for (const s of sockets) s.close()
  })

  it('killing the replica that computes moves its wall clients to the other without losing state', async () => {
    const { leader, follower } = await roles()
    const rollupsOnLeader = await metric(leader.url, 'gridpulse_trends_rollup_maintaining')
    // A wall that stays on the survivor through the change of leader: one snapshot, no gap.
    const stays = wall(follower.url, 'city')
    await stays.waitFor(() => true)
    balancer = await startBalancer([Number(new URL(leader.url).port), Number(new URL(follower.url).port)], 'failover')
    const city = wall(balancer.url, 'city')
    const street = wall(balancer.url, 'street:qingbaijiang.dawan')
    await city.waitFor(() => true)
    await street.waitFor(() => true)
    expect(balancer.routed.every((i) => i === 0)).toBe(true)
    const base = { city: city.current()!.today.reported, street: street.current()!.today.reported }
    await ingest(follower.url, 2)
    const held = await city.waitFor((s) => s.today.reported === base.city + 2)
    const heldStreet = (await street.waitFor((s) => s.today.reported === base.street + 2)).today

    await leader.kill('SIGKILL')
    // Reconnected through the balancer to the other replica, and holding everything the wall
    // had. (The survivor may answer the subscribe a Redis hop behind the dead leader's sockets,
    // with the last tick still on its way; it never loses it: the tick arrives, or the survivor
    // computes it again from the store when it takes over.)
    await eventually(async () => city.subscribes() >= 2 && street.subscribes() >= 2, 20_000, 'walls subscribed again')
    expect(balancer.routed).toContain(1)
    await city.waitFor((s) => s.today.reported === held.today.reported)
    await street.waitFor((s) => JSON.stringify(s.today) === JSON.stringify(heldStreet))

    // The survivor computes now (lease 2 s): new events move the walls.
    await ingest(follower.url, 3)
    await city.waitFor((s) => s.today.reported === base.city + 5)
    await street.waitFor((s) => s.today.reported === heldStreet.reported + 3)
    await stays.waitFor((s) => s.today.reported === base.city + 5)
    expect(await metric(follower.url, 'gridpulse_live_leading')).toBe(1)
    // The survivor's first tick of its term was diffed against the wall it already had.
    expect(stays.subscribes()).toBe(1)
    // …and the rollups: taken over once the dead replica's lease (20 s) runs out, if it held them.
    await eventually(async () => (await metric(follower.url, 'gridpulse_trends_rollup_maintaining')) === 1, 60_000, 'rollups maintained by the survivor')
    if (rollupsOnLeader === 1) expect(await metric(follower.url, 'gridpulse_trends_rollup_ready')).toBe(1)
  }, 150_000)
})
