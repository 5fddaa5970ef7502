/**
 * What server replicas (and `npm run ingest` processes) share through Redis (REDIS_URL):
 *
 * - the Socket.IO adapter (`@socket.io/redis-adapter`): a room operation on any replica reaches
 *   the sockets of all of them (closing the sockets of a revoked key or an ended session);
 * - leases (`lease.ts`): the live computation and the rollup maintainer run on one replica each;
 * - four JSON channels of our own, below. They are plain pub/sub rather than the adapter's
 *   `serverSideEmit` because the ingest processes, which have no Socket.IO server, publish on
 *   them too, and because a replica must apply a tick to its snapshot cache before its own
 *   sockets see it (so a subscribe answered between two ticks is never behind its patches).
 *
 * Every message carries `from`, the sending process: a replica handles its own at once, not
 * again when Redis echoes it.
 */
import crypto from 'node:crypto'
import { Redis } from 'ioredis'
import { createAdapter } from '@socket.io/redis-adapter'
import type { LiveSnapshot, Scope } from '../contracts/live.ts'
import type { TickerSource } from '../../ingest/process.ts'
import type { Logger } from '../log.ts'
import { Lease, RELEASE } from './lease.ts'

const PREFIX = 'gridpulse'

/** The live hub's leader → every replica: what changed at this tick. */
export interface TickMessage {
  /** The leader's term: a new one begins each time a replica takes the live lease. */
  epoch: string
  /** The leader's tick count within its term: a follower that misses one asks for a sync. */
  n: number
  /** Each changed scope's merge patch (RFC 7386), without seq. */
  patches: Array<[Scope, Record<string, unknown>]>
  /** Every scope's whole snapshot (without seq): the first tick of a term, or after a sync request. */
  full?: Array<[Scope, Omit<LiveSnapshot, 'seq'>]>
}

export interface ChannelMessages {
  /** The leader's ticks. */
  tick: TickMessage
  /** A replica without a snapshot cache (just started, or a tick missed) asks for the whole state. */
  sync: Record<string, never>
  /** Ingest accepted new reports (ticker items) or stored events (the leader looks sooner). */
  ingest: { ticker?: TickerSource[]; stored?: boolean }
  /** An admin changed users, keys, sessions, the SLA or the registry: read them again. */
  changed: { what: 'auth' | 'sla' | 'registry' }
}
export type Channel = keyof ChannelMessages
const CHANNELS: readonly Channel[] = ['tick', 'sync', 'ingest', 'changed']

type Handler<C extends Channel> = (msg: ChannelMessages[C]) => void

export interface ClusterOptions {
  url: string
  log: Logger
  /**
   * The live lease's TTL: how long the wall may stand still after its leading replica dies
   * (default 3 s). The rollup maintainer's lease is ten times as long (its passes take a while).
   */
  leaseMs?: number
}

export class Cluster {
  /** This process, as the `from` of its messages. */
  readonly id = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`
  readonly live: Lease
  readonly rollups: Lease
  private readonly handlers = new Map<Channel, Array<Handler<Channel>>>()
  private adapterSub: Redis | undefined

  private constructor(
    readonly pub: Redis,
    private readonly sub: Redis,
    private readonly opts: ClusterOptions,
  ) {
    const ttlMs = opts.leaseMs ?? 3_000
    this.live = new Lease({ redis: pub, key: `${PREFIX}:lease:live`, ttlMs, log: opts.log })
    this.rollups = new Lease({ redis: pub, key: `${PREFIX}:lease:rollups`, ttlMs: ttlMs * 10, log: opts.log })
    sub.on('message', (channel: string, raw: string) => this.dispatch(channel, raw))
  }

  /** Connects (failing clearly when Redis is not there) and subscribes to the channels. */
  static async connect(opts: ClusterOptions): Promise<Cluster> {
    const connect = async (name: string) => {
      // lazyConnect + connect(): a wrong REDIS_URL fails start-up instead of retrying forever in the background.
      const r = new Redis(opts.url, { lazyConnect: true, connectionName: `gridpulse-${name}`, maxRetriesPerRequest: 2 })
      r.on('error', (e: Error) => opts.log.warn('redis connection error', { connection: name, error: e.message }))
      try {
        await r.connect()
      } catch (e) {
        r.disconnect()
        throw new Error(`cannot reach Redis at REDIS_URL (${redact(opts.url)}): ${(e as Error).message}`)
      }
      return r
    }
    const pub = await connect('pub')
    const sub = await connect('sub').catch((e: unknown) => {
      pub.disconnect()
      throw e
    })
    const cluster = new Cluster(pub, sub, opts)
    await sub.subscribe(...CHANNELS.map((c) => `${PREFIX}:${c}`))
    return cluster
  }

  /**
   * Waits for and takes a lock (at most `ttlMs`, the longest it may be held: a holder that dies
   * releases it by expiry); resolves to its release. Replicas starting together take turns to
   * migrate the store and create the first accounts.
   */
  async lock(name: string, ttlMs = 60_000, waitMs = 5 * 60_000): Promise<() => Promise<void>> {
    const key = `${PREFIX}:lock:${name}`
    const until = Date.now() + waitMs
    while ((await this.pub.set(key, this.id, 'PX', ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > until) throw new Error(`waited ${waitMs} ms for the "${name}" lock another replica holds`)
      await new Promise((r) => setTimeout(r, 200))
    }
    return async () => {
      await this.pub.eval(RELEASE, 1, key, this.id).catch(() => undefined)
    }
  }

  /** The Socket.IO adapter over this Redis (it needs a subscriber connection of its own). */
  adapter(): ReturnType<typeof createAdapter> {
    this.adapterSub ??= this.pub.duplicate({ connectionName: 'gridpulse-adapter' })
    this.adapterSub.on('error', (e: Error) => this.opts.log.warn('redis connection error', { connection: 'adapter', error: e.message }))
    return createAdapter(this.pub, this.adapterSub, { key: `${PREFIX}:socket.io` })
  }

  on<C extends Channel>(channel: C, handler: Handler<C>): void {
    const list = this.handlers.get(channel) ?? []
    list.push(handler as Handler<Channel>)
    this.handlers.set(channel, list)
  }

  /** Publishes to every other process; a lost Redis connection is logged, never thrown at the caller. */
  publish<C extends Channel>(channel: C, msg: ChannelMessages[C]): void {
    this.pub.publish(`${PREFIX}:${channel}`, JSON.stringify({ from: this.id, msg })).catch((e: unknown) => {
      this.opts.log.warn('publishing to redis failed', { channel, error: String((e as Error).message ?? e) })
    })
  }

  async close(): Promise<void> {
    await Promise.all([this.live.stop(), this.rollups.stop()])
    for (const r of [this.sub, this.adapterSub, this.pub]) {
      if (!r) continue
      await r.quit().catch(() => r.disconnect())
    }
  }

  private dispatch(channel: string, raw: string): void {
    const name = channel.slice(PREFIX.length + 1) as Channel
    let parsed: { from?: unknown; msg?: unknown }
    try {
      parsed = JSON.parse(raw) as { from?: unknown; msg?: unknown }
    } catch {
      return this.opts.log.warn('an unreadable message on redis was dropped', { channel })
    }
    if (parsed.from === this.id) return
    for (const h of this.handlers.get(name) ?? []) {
      try {
        h(parsed.msg as ChannelMessages[Channel])
      } catch (e) {
        this.opts.log.error('handling a redis message failed', { channel, error: String(e) })
      }
    }
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return 'an unparseable URL'
  }
}
