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
 * Every message carries `from`, the sending process (a replica handles its own at once, not
 * again when Redis echoes it), and `v`, the protocol version: during a rolling upgrade a replica
 * drops what another version sends rather than misread it. Messages are checked against their
 * channel's schema before any handler sees them.
 */
import crypto from 'node:crypto'
import { Redis } from 'ioredis'
import { createAdapter } from '@socket.io/redis-adapter'
import { z } from 'zod'
import type { LiveSnapshot, Scope } from '../contracts/live.ts'
import type { TickerSource } from '../../ingest/process.ts'
import type { Logger } from '../log.ts'
import { Lease, RELEASE, RENEW } from './lease.ts'

const PREFIX = 'gridpulse'
/** The version of the messages below; bump it when their shapes change. */
const PROTOCOL = 1

/** The live hub's leader → every replica: what changed at this tick. */
export interface TickMessage {
  /** The leader's term (Lease.term): higher for every later taking of the live lease. */
  term: number
  /** The leader's tick count within its term: a follower that misses one asks for a sync. */
  n: number
  /** Each changed scope's merge patch (RFC 7386), without seq. */
  patches: Array<[Scope, Record<string, unknown>]>
  /** Every scope's whole snapshot (without seq): the first tick of a term, or after a sync request. */
  full?: Array<[Scope, Omit<LiveSnapshot, 'seq'>]>
}

/** What another replica's change makes a replica read again. */
export type Changed = 'users' | 'keys' | 'sessions' | 'sla' | 'registry'

export interface ChannelMessages {
  /** The leader's ticks. */
  tick: TickMessage
  /** A replica without a snapshot cache (just started, or a tick missed) asks for the whole state. */
  sync: Record<string, never>
  /** Ingest accepted new reports: every replica's walls show them in their ticker. */
  ingest: { ticker: TickerSource[] }
  /** Another process wrote users, keys, sessions, the SLA or the registry: read them again. */
  changed: { what: Changed }
}
export type Channel = keyof ChannelMessages
const CHANNELS: readonly Channel[] = ['tick', 'sync', 'ingest', 'changed']

const patchList = z.array(z.tuple([z.string(), z.record(z.string(), z.unknown())]))
const SCHEMAS: { [C in Channel]: z.ZodType<unknown> } = {
  tick: z.object({ term: z.number().int(), n: z.number().int(), patches: patchList, full: patchList.optional() }),
  sync: z.object({}),
  ingest: z.object({
    ticker: z.array(
      z.object({ event_id: z.string(), report_id: z.string(), at: z.number(), category: z.string(), channel: z.string(), reporter_role: z.string(), severity: z.number(), micro_grid: z.string(), note: z.string() }),
    ),
  }),
  changed: z.object({ what: z.enum(['users', 'keys', 'sessions', 'sla', 'registry']) }),
}

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
  /** Locks held now: close() gives them up. */
  private readonly locks = new Set<() => Promise<void>>()
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
    try {
      const sub = await connect('sub')
      try {
        const cluster = new Cluster(pub, sub, opts)
        await sub.subscribe(...CHANNELS.map((c) => `${PREFIX}:${c}`))
        return cluster
      } catch (e) {
        sub.disconnect()
        throw e
      }
    } catch (e) {
      pub.disconnect()
      throw e
    }
  }

  /**
   * Waits for and takes a lock (at most `ttlMs`, the longest it may be held: a holder that dies
   * releases it by expiry); resolves to its release. Replicas starting together take turns to
   * migrate the store and create the first accounts.
   */
  async lock(name: string, ttlMs = 30_000, waitMs = 10 * 60_000): Promise<() => Promise<void>> {
    const key = `${PREFIX}:lock:${name}`
    const until = Date.now() + waitMs
    while ((await this.pub.set(key, this.id, 'PX', ttlMs, 'NX')) !== 'OK') {
      if (Date.now() > until) throw new Error(`waited ${waitMs} ms for the "${name}" lock another replica holds`)
      await new Promise((r) => setTimeout(r, 200))
    }
    // Renewed while held (a migration may take minutes); a holder that dies lets it expire.
    const renew = setInterval(() => void this.pub.eval(RENEW, 1, key, this.id, String(ttlMs)).catch(() => undefined), ttlMs / 3)
    renew.unref()
    const release = async () => {
      this.locks.delete(release)
      clearInterval(renew)
      await this.pub.eval(RELEASE, 1, key, this.id).catch(() => undefined)
    }
    this.locks.add(release)
    return release
  }

  /** The Socket.IO adapter over this Redis (it needs a subscriber connection of its own). */
  adapter(): ReturnType<typeof createAdapter> {
    if (!this.adapterSub) {
      this.adapterSub = this.pub.duplicate({ connectionName: 'gridpulse-adapter' })
      this.adapterSub.on('error', (e: Error) => this.opts.log.warn('redis connection error', { connection: 'adapter', error: e.message }))
    }
    return createAdapter(this.pub, this.adapterSub, { key: `${PREFIX}:socket.io` })
  }

  on<C extends Channel>(channel: C, handler: Handler<C>): void {
    const list = this.handlers.get(channel) ?? []
    list.push(handler as Handler<Channel>)
    this.handlers.set(channel, list)
  }

  /** Publishes to every other process; a lost Redis connection is logged, never thrown at the caller. */
  publish<C extends Channel>(channel: C, msg: ChannelMessages[C]): void {
    this.pub.publish(`${PREFIX}:${channel}`, JSON.stringify({ v: PROTOCOL, from: this.id, msg })).catch((e: unknown) => {
      this.opts.log.warn('publishing to redis failed', { channel, error: String((e as Error).message ?? e) })
    })
  }

  private dropped(channel: string, why: string): void {
    const now = Date.now()
    if (now - (droppedAt.get(channel) ?? 0) < 60_000) return
    droppedAt.set(channel, now)
    this.opts.log.warn('a message on redis was dropped', { channel, why })
  }

  async close(): Promise<void> {
    await Promise.all([this.live.stop(), this.rollups.stop(), ...[...this.locks].map((release) => release())])
    for (const r of [this.sub, this.adapterSub, this.pub]) {
      if (!r) continue
      await r.quit().catch(() => r.disconnect())
    }
  }

  private dispatch(channel: string, raw: string): void {
    const name = channel.slice(PREFIX.length + 1) as Channel
    let parsed: { v?: unknown; from?: unknown; msg?: unknown }
    try {
      parsed = JSON.parse(raw) as { v?: unknown; from?: unknown; msg?: unknown }
    } catch {
      return this.opts.log.warn('an unreadable message on redis was dropped', { channel })
    }
    if (parsed.from === this.id) return
    if (parsed.v !== PROTOCOL) return this.dropped(channel, `protocol version ${JSON.stringify(parsed.v)}, this process speaks ${PROTOCOL}`)
    const checked = SCHEMAS[name]?.safeParse(parsed.msg)
    if (!checked?.success) return this.dropped(channel, checked?.error.issues[0]?.message ?? 'unknown channel')
    for (const h of this.handlers.get(name) ?? []) {
      try {
        h(checked.data as ChannelMessages[Channel])
      } catch (e) {
        this.opts.log.error('handling a redis message failed', { channel, error: String(e) })
      }
    }
  }
}

/** Logged once a minute at most per channel: a flood of bad messages must not flood the log. */
const droppedAt = new Map<string, number>()

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
