/**
 * A lease in Redis: at most one process holds `key` at a time, for `ttlMs` after its last
 * renewal. The live hub's per-tick computation and the rollup maintainer each take one, so that
 * with several replicas each runs once; when the holder dies its lease runs out and another
 * replica takes it within about `ttlMs`.
 *
 * `held()` is judged on this process's clock and ends a margin before the lease could run out in
 * Redis, so a holder cut off from Redis stops before another can start (no two holders at once,
 * as long as clocks run at about the same rate).
 */
import crypto from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Logger } from '../log.ts'

/** Extends a lease or lock only if this process still holds it (compare and set, atomically). */
export const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`
/** Gives a lease or lock up only if this process holds it. */
export const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

export interface LeaseOptions {
  redis: Redis
  key: string
  ttlMs: number
  log: Logger
}

export class Lease {
  /** A fresh id per lease: a restarted process never mistakes an old holding for its own. */
  readonly holder = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`
  /** Local clock (ms) until which the lease is surely ours. */
  private until = 0
  private timer: NodeJS.Timeout | undefined
  private running: Promise<void> | undefined
  private wasHeld = false
  private stopped = false
  private readonly listeners: Array<(held: boolean) => void> = []
  /**
   * This holding's number, from a counter in Redis incremented at each taking: a later holder
   * has a higher one, so messages of an earlier holder that arrive late can be told apart.
   */
  term = 0

  constructor(private readonly opts: LeaseOptions) {}

  /** Called when this process takes the lease (true) or loses it (false). */
  onChange(listener: (held: boolean) => void): void {
    this.listeners.push(listener)
  }

  /** Tries now, then every third of the TTL: takes the lease when free, renews it while held. */
  start(): Promise<void> {
    this.stopped = false
    const loop = () => {
      this.running = this.attempt().finally(() => {
        this.running = undefined
        if (!this.stopped) {
          this.timer = setTimeout(loop, Math.max(50, Math.floor(this.opts.ttlMs / 3)))
          this.timer.unref()
        }
      })
      return this.running
    }
    return loop()
  }

  held(): boolean {
    return Date.now() < this.until
  }

  /** Stops renewing and gives the lease up, so another replica takes it at once. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    // An attempt stuck on a Redis that is away must not hold up a shutdown.
    await Promise.race([this.running, new Promise((r) => setTimeout(r, 1000).unref())])
    if (this.until > 0) {
      this.until = 0
      await this.opts.redis.eval(RELEASE, 1, this.opts.key, this.holder).catch(() => undefined)
    }
    this.changed()
  }

  private async attempt(): Promise<void> {
    const { redis, key, ttlMs } = this.opts
    const asked = Date.now()
    try {
      const ok = this.until > 0 ? Number(await redis.eval(RENEW, 1, key, this.holder, String(ttlMs))) === 1 : (await redis.set(key, this.holder, 'PX', ttlMs, 'NX')) === 'OK'
      if (ok && !this.wasHeld) this.term = await redis.incr(`${key}:term`)
      // Counted from when we asked (Redis started the TTL later), less a margin for the two
      // clocks' rates and for the time between a holder's check of held() and its act.
      this.until = ok ? asked + ttlMs - Math.min(1000, ttlMs / 5) : 0
    } catch (e) {
      // Redis away: keep what is surely still ours (until runs out on its own), try again later.
      this.opts.log.warn('the lease could not be renewed', { key, error: String((e as Error).message ?? e) })
    }
    this.changed()
  }

  private changed(): void {
    const now = this.held()
    if (now === this.wasHeld) return
    this.wasHeld = now
    this.opts.log.info(now ? 'lease taken' : 'lease given up', { key: this.opts.key, holder: this.holder })
    for (const l of this.listeners) l(now)
  }
}
