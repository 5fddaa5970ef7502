/**
 * The pieces replicas share, against a real redis-server: leases (one holder at a time; a
 * holder that stops hands over at once; a holder cut off from Redis stops holding while Redis
 * still keeps the lease from others), the start-up lock (one at a time), and the channels (each
 * message to every other process, never echoed to its sender).
 * Fixture: Debian's redis-server on a free port (one test freezes it for a while: SIGSTOP).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { Cluster } from '../../server/cluster/cluster.ts'
import { createLogger } from '../../server/log.ts'
import { startRedis, type RedisServer } from '../support/redis.ts'
import { eventually } from '../support/processes.ts'

const log = createLogger('test', true)
let redis: RedisServer
const open: Cluster[] = []

async function cluster(leaseMs = 1500): Promise<Cluster> {
  const c = await Cluster.connect({ url: redis.url, leaseMs, log })
  open.push(c)
  return c
}

beforeAll(async () => {
  redis = await startRedis()
})

afterAll(async () => {
  for (const c of open) await c.close().catch(() => undefined)
  await redis?.stop()
})

describe('cluster over Redis', () => {
  it('refuses to start on a Redis that is not there, naming REDIS_URL', async () => {
    await expect(Cluster.connect({ url: 'redis://127.0.0.1:1', log })).rejects.toThrow(/REDIS_URL/)
  })

  it('gives a lease to one process at a time, and hands it over at once when its holder stops', async () => {
    const [a, b, c] = [await cluster(), await cluster(), await cluster()]
    await Promise.all([a.live.start(), b.live.start(), c.live.start()])
    // Each taking of the lease has a higher term.
    const firstTerm = [a, b, c].find((x) => x.live.held())!.live.term
    expect(firstTerm).toBeGreaterThan(0)
    const holders = () => [a, b, c].filter((x) => x.live.held())
    expect(holders()).toHaveLength(1)
    // Over several renewals, still exactly one.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 250))
      expect(holders()).toHaveLength(1)
    }
    const first = holders()[0]!
    const changes: boolean[] = []
    first.live.onChange((held) => changes.push(held))
    await first.live.stop()
    expect(first.live.held()).toBe(false)
    expect(changes).toEqual([false])
    // Released, not left to expire: another takes it within one renewal period (TTL / 3).
    await eventually(async () => holders().length === 1, 1_500, 'the lease taken over')
    expect(holders()[0]).not.toBe(first)
    expect(holders()[0]!.live.term).toBeGreaterThan(firstTerm)
  })

  it('lets a holder cut off from Redis stop holding while Redis still keeps its lease from others', async () => {
    const a = await cluster(900)
    await a.rollups.start()
    expect(a.rollups.held()).toBe(true)
    // Redis frozen: renewals hang, and the holder only has its own clock to go by.
    redis.proc.kill('SIGSTOP')
    try {
      await eventually(async () => !a.rollups.held(), 15_000, 'the holder to stop holding')
    } finally {
      redis.proc.kill('SIGCONT')
    }
    // At that moment the key had not yet expired in Redis: no other process could have taken
    // the lease while this one still believed it held it.
    const probe = new Redis(redis.url)
    try {
      expect(await probe.pttl('gridpulse:lease:rollups')).toBeGreaterThan(0)
    } finally {
      probe.disconnect()
    }
  })

  it('runs the start-up lock for one process at a time', async () => {
    const [a, b] = [await cluster(), await cluster()]
    const order: string[] = []
    const run = async (c: Cluster, name: string) => {
      const release = await c.lock('setup-test')
      order.push(`${name} in`)
      await new Promise((r) => setTimeout(r, 150))
      order.push(`${name} out`)
      await release()
    }
    await Promise.all([run(a, 'a'), run(b, 'b')])
    expect(order).toHaveLength(4)
    // Never both inside: each "in" is followed by its own "out".
    expect(order[1]).toBe(order[0]!.replace('in', 'out'))
    expect(order[3]).toBe(order[2]!.replace('in', 'out'))
  })

  it('drops a message of another protocol version or of the wrong shape, and delivers the next good one', async () => {
    const [a, b] = [await cluster(), await cluster()]
    const got: string[] = []
    b.on('changed', (m) => got.push(m.what))
    await a.pub.publish('gridpulse:changed', JSON.stringify({ v: 999, from: 'x', msg: { what: 'sla' } }))
    await a.pub.publish('gridpulse:changed', JSON.stringify({ v: 1, from: 'x', msg: { what: 'everything' } }))
    await a.pub.publish('gridpulse:ingest', JSON.stringify({ v: 1, from: 'x', msg: { ticker: [{ report_id: 1 }] } }))
    a.publish('changed', { what: 'keys' })
    await eventually(async () => got.length > 0, 5_000, 'the good message')
    await new Promise((r) => setTimeout(r, 100))
    expect(got).toEqual(['keys'])
  })

  it('delivers a message to every other process, not back to its sender', async () => {
    const [a, b, c] = [await cluster(), await cluster(), await cluster()]
    const got = new Map<Cluster, string[]>([[a, []], [b, []], [c, []]])
    for (const x of [a, b, c]) x.on('changed', (m) => got.get(x)!.push(m.what))
    a.publish('changed', { what: 'sla' })
    await eventually(async () => got.get(b)!.length === 1 && got.get(c)!.length === 1, 5_000, 'delivered')
    await new Promise((r) => setTimeout(r, 100))
    expect(got.get(a)).toEqual([])
    expect(got.get(b)).toEqual(['sla'])
  })
})
