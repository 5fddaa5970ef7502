/**
 * The live hub (DESIGN §5): once per tick it runs the live queries for all scopes at once,
 * builds every scope's snapshot, diffs it against the last one and pushes the merge patch to
 * that scope's room only. Subscribing answers from the cache, never with a query per client.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Namespace, Socket } from 'socket.io'
import type { ClientToServerEvents, LiveSnapshot, OverdueItem, Scope, ServerToClientEvents, TickerItem, VisitCoverage, WallAlert } from '../contracts/live.ts'
import { parseScope } from '../contracts/live.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import type { TickerSource } from '../../ingest/process.ts'
import { chTime, parseChTime, sql } from '../../sql/queries.ts'
import type { SlaTable } from '../sla.ts'
import { localDay, localDayStart } from './localTime.ts'
import { applyMergePatch, diff } from '../contracts/mergePatch.ts'
import type { TickMessage } from '../cluster/cluster.ts'
import { buildSnapshots, OVERDUE_LIST, scopeOf, scopesOfMicroGrid } from './snapshots.ts'
import { fromRow, liveFigures, LiveReports, type LiveFigures, type LiveReportRow, type Overdue } from './reports.ts'
import { emptyWindows, HexRings, loadWindows, MIN_BASELINE_DAYS, type Windows } from './windows.ts'
import { isSpike } from './alerts.ts'
import { loadVisitRows, visitCoverage } from './visits.ts'
import type { Logger } from '../log.ts'
import type { Registry as MetricsRegistry } from 'prom-client'
import { readGauge } from '../gauges.ts'

export type LiveNamespace = Namespace<ClientToServerEvents, ServerToClientEvents>
type TickerEntry = TickerItem & { scopes: Scope[] }

export interface LiveHubOptions {
  reader: ClickHouseClient
  registry: () => Registry
  sla: () => SlaTable
  tz: string
  tickMs: number
  idleRecomputeMs: number
  /** Other processes write to the store too: look for their events every tick. */
  sharedStore?: boolean
  /** How often the wider-window figures (7 days, hexes, baselines, visits) are read again. */
  windowMs?: number
  /** The connection for those reads (default `reader`): off the one whose queries each tick waits for. */
  windowsReader?: ClickHouseClient
  /**
   * The embedded store's write horizon (`Store.settledBefore`): with it, each tick reads changes
   * up to the oldest write in flight rather than re-reading SETTLE_MS of them.
   */
  settledBefore?: () => number
  /** Scaled out (REDIS_URL): the replicas share one computation; see `LiveRelay`. */
  relay?: LiveRelay
  log: Logger
  now?: () => number
}

/**
 * How a hub shares its computation with other replicas. The replica that leads (holds the live
 * lease) computes every tick and publishes the patches; the others apply them to their snapshot
 * caches and push them to their own sockets, so each answers a subscribe from a current cache.
 */
export interface LiveRelay {
  leading(): boolean
  /** The live lease's term while leading (higher for every later taking). */
  term(): number
  publishTick(msg: TickMessage): void
  requestSync(): void
  /** How long a follower without a scope's snapshot waits for the leader's whole state. */
  syncWaitMs: number
}

const TICKER_RING = 2000
/** A full reload of the reports in memory this often, in case a change was missed. */
const FULL_RELOAD_MS = 15 * 60_000
/** More changed reports than this in one tick: load in full instead (see refreshReports). */
const CHANGED_MAX = 100_000
/** How long after its stored_at a row is surely visible (inserts commit within this). */
const SETTLE_MS = 5_000
/** With the write horizon: a margin for the engine stamping rows a moment after the horizon is read. */
const HORIZON_MARGIN_MS = 50
const NOTE_MAX = 60
const WINDOW_MS = 60_000
/** After a failed read of the window figures, wait this long before the next try. */
const WINDOWS_RETRY_MS = 30_000

export class ScopeError extends Error {}

export class LiveHub {
  private readonly cache = new Map<Scope, LiveSnapshot>()
  private readonly reports = new LiveReports()
  private windows: Windows = emptyWindows()
  private readonly rings = new HexRings()
  /** Visit coverage per place code, read with the window figures. */
  private visits = new Map<string, VisitCoverage>()
  /** Read the window figures on the next compute whatever their age (a refresh, a new day). */
  private windowsDue = true
  /** After a failed read of the window figures, not before this (app clock). */
  private windowsRetryAt = 0
  private windowFailures = 0
  /** Store clock (ms): every row stored before it is reflected in the reports in memory. */
  private watermark: number | undefined
  private lastFullLoad = 0
  /** Consecutive failed computes (the store away): logged once, then now and then. */
  private failures = 0
  private readonly ticker: TickerEntry[] = []
  private dirty = true
  private lastCompute = 0
  private lastDay = ''
  private computing: Promise<void> | undefined
  private timer: NodeJS.Timeout | undefined
  private windowTimer: NodeJS.Timeout | undefined
  private windowsReading: Promise<void> | undefined
  private nsp: LiveNamespace | undefined
  private deny: (socket: Socket<ClientToServerEvents, ServerToClientEvents>, scope: Scope) => string | undefined = () => undefined
  private readonly now: () => number
  /** Leading: this term, the ticks published in it, and whether the next carries every snapshot. */
  private own = { term: 0, n: 0, fullNext: true }
  /** Following: the leader's term and tick last applied; the highest term seen (older ones are stale). */
  private followed = { term: 0, n: -1 }
  private highestTerm = 0
  /** Read the reports in full at the next compute (a new term: what is in memory may be old). */
  private fullLoadDue = false
  private lastSyncAsk = 0
  private syncWaiters: Array<() => void> = []
  /** For `npm run bench` (and /metrics later): computes done, ticks skipped while one ran. */
  readonly stats = { computes: 0, skippedTicks: 0, fullLoads: 0, lastFullLoadMs: 0, lastFullLoadRows: 0, lastComputeMs: 0, lastWindowsMs: 0, reportsInMemory: 0, ticksApplied: 0, syncs: 0, lastTick: { asOf: 0, pushFrom: 0 } }

  constructor(private readonly opts: LiveHubOptions) {
    this.now = opts.now ?? Date.now
  }

  /**
   * Serves `live:subscribe` on the namespace and starts ticking. `deny(socket, scope)` returns
   * why a socket may not see a scope, or undefined when it may.
   */
  attach(nsp: LiveNamespace, deny: (socket: Socket<ClientToServerEvents, ServerToClientEvents>, scope: Scope) => string | undefined = () => undefined): void {
    this.nsp = nsp
    this.deny = deny
    nsp.on('connection', (socket) => this.onConnection(socket))
    this.start()
    if (this.following()) this.askSync()
  }

  /** Ticks (again, after `stop`): the bench stops the timers while it loads history. */
  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => this.tick(), this.opts.tickMs)
    this.timer.unref()
    // The window figures are read beside the ticks, not in one: a tick never waits for them.
    this.windowTimer = setInterval(() => {
      if (!this.following()) void this.readWindows(this.now()).then(() => this.markDirty())
    }, this.opts.windowMs ?? WINDOW_MS)
    this.windowTimer.unref()
  }

  /** Scaled out, another replica computes: this one applies its ticks. */
  following(): boolean {
    return this.opts.relay !== undefined && !this.opts.relay.leading()
  }

  /**
   * This replica took the live lease (or lost it). A new term starts from a full load of the
   * reports (what is in memory may be old) and publishes every snapshot at its first tick, which
   * the followers diff against their caches: their sockets see one patch, never a gap.
   */
  leadershipChanged(leading: boolean): void {
    if (!leading || !this.opts.relay) return
    this.own = { term: this.opts.relay.term(), n: 0, fullNext: true }
    this.highestTerm = Math.max(this.highestTerm, this.own.term)
    this.fullLoadDue = true
    this.windowsDue = true
    this.dirty = true
  }

  /** A follower asked for the whole state: the next tick carries it. */
  syncRequested(): void {
    if (this.following()) return
    this.own.fullNext = true
    this.dirty = true
  }

  /** A tick from the leader: applied to the cache and pushed to this replica's sockets. */
  applyTick(msg: TickMessage): void {
    if (!this.following()) return
    // A tick of an earlier leader, late (its compute outlived its lease, or Redis held it back).
    if (msg.term < this.highestTerm) return
    this.highestTerm = msg.term
    if (msg.full) {
      for (const [scope, snap] of msg.full) this.publish(scope, snap as Omit<LiveSnapshot, 'seq'>)
      this.followed = { term: msg.term, n: msg.n }
      this.stats.syncs++
      for (const w of this.syncWaiters.splice(0)) w()
    } else if (msg.term === this.followed.term && msg.n === this.followed.n + 1) {
      for (const [scope, patch] of msg.patches) {
        const prev = this.cache.get(scope)
        // The leader's patch as it is: diffing again here would only find it once more.
        if (prev) this.push(scope, applyMergePatch(prev, patch) as Omit<LiveSnapshot, 'seq'>, prev.seq + 1, patch)
      }
      this.followed.n = msg.n
    } else {
      // A tick missed (or a term begun without us seeing its first): patches would apply to the
      // wrong base. Ask for the whole state; meanwhile the cache stays as it was.
      this.askSync()
      return
    }
    this.stats.ticksApplied++
  }

  private askSync(): void {
    const now = Date.now()
    if (now - this.lastSyncAsk < this.opts.tickMs) return
    this.lastSyncAsk = now
    this.opts.relay?.requestSync()
  }

  /** Resolves at the next whole state from the leader, or after `ms`. */
  private awaitSync(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer)
        clearInterval(ask)
        resolve()
      }
      const timer = setTimeout(() => {
        this.syncWaiters = this.syncWaiters.filter((w) => w !== done)
        done()
      }, ms)
      timer.unref()
      // A leader may be taking over meanwhile: ask again each tick until one answers.
      const ask = setInterval(() => this.askSync(), this.opts.tickMs)
      ask.unref()
      this.syncWaiters.push(done)
      this.lastSyncAsk = 0
      this.askSync()
    })
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    clearInterval(this.windowTimer)
    this.timer = undefined
    this.windowTimer = undefined
    await this.windowsReading?.catch(() => undefined)
    await this.computing?.catch(() => undefined)
    // Callers waiting for the leader's state get what there is (a stopping hub hears no more).
    for (const w of this.syncWaiters.splice(0)) w()
  }

  /** Sockets connected to the namespace. */
  sockets(): number {
    return this.nsp?.sockets.size ?? 0
  }

  /** Fresh data arrived: recompute on the next tick. */
  markDirty(): void {
    this.dirty = true
  }

  /** New reports from ingest (durable, on their way to the store) go to the ticker at once. */
  onTicker(items: readonly TickerSource[]): void {
    const registry = this.opts.registry()
    for (const r of items) {
      const item = this.tickerItem(registry, r)
      this.pushTicker(item)
      if (this.nsp) {
        // This replica's sockets only: every replica hears of the item (see server/cluster).
        let target = this.nsp.local.to(`scope:${item.scopes[0]}`)
        for (const s of item.scopes.slice(1)) target = target.to(`scope:${s}`)
        target.emit('live:report', item)
      }
    }
  }

  /** Loads the newest reports so the ticker is not empty after a start. */
  async seedTicker(): Promise<void> {
    const rs = await this.opts.reader.query({
      query: sql('recent_reports'),
      query_params: { since: chTime(this.now() - 7 * 86_400_000), limit: TICKER_RING },
      format: 'JSONEachRow',
    })
    const rows = await rs.json<Omit<TickerSource, 'at' | 'event_id'> & { at: string }>()
    const registry = this.opts.registry()
    for (const r of rows.reverse()) this.pushTicker(this.tickerItem(registry, { ...r, at: parseChTime(r.at) ?? 0 }))
  }

  /** The current snapshot of a scope; throws `ScopeError` for a malformed or unknown scope. */
  async snapshot(rawScope: unknown): Promise<LiveSnapshot> {
    const scope = this.checkScope(rawScope)
    if (!this.cache.has(scope)) {
      if (!this.following()) await this.compute()
      else await this.awaitSync(this.opts.relay!.syncWaitMs)
    }
    const snap = this.cache.get(scope)
    if (!snap) {
      if (this.following()) throw new Error('no live state from the leading replica yet')
      throw new ScopeError(`no data for scope "${scope}"`)
    }
    return snap
  }

  /**
   * Recomputes every scope from what the store holds now, waiting out a compute already running;
   * the window figures are read afresh too unless `windows: false`.
   */
  async refresh(opts: { windows?: boolean } = {}): Promise<void> {
    // Following, the leader computes: take its whole state at its next tick.
    if (this.following()) return this.awaitSync(this.opts.relay!.syncWaitMs)
    await this.computing?.catch(() => undefined)
    if (opts.windows !== false) {
      // A read under way may have begun before what the caller wants to see: let it end, read again.
      await this.windowsReading
      this.windowsDue = true
      this.windowsRetryAt = 0
    }
    await this.compute()
  }

  /** Reads the live reports afresh from the store (as at start), then recomputes every scope. */
  async reload(): Promise<void> {
    await this.computing?.catch(() => undefined)
    this.watermark = undefined
    await this.compute()
  }

  /** Recomputes every scope, or joins the compute already running. */
  compute(): Promise<void> {
    if (!this.computing) {
      this.computing = this.computeAll().finally(() => {
        this.computing = undefined
      })
    }
    return this.computing
  }

  private checkScope(raw: unknown): Scope {
    const parsed = parseScope(raw)
    if (!parsed) throw new ScopeError(`scope must be city, district:<code>, street:<code> or community:<code>; got ${JSON.stringify(raw)}`)
    if (parsed.level !== 'city') {
      const place = this.opts.registry().byCode.get(parsed.code)
      if (!place || place.level !== parsed.level) throw new ScopeError(`unknown ${parsed.level} "${parsed.code}"`)
    }
    return parsed.scope
  }

  private onConnection(socket: Socket<ClientToServerEvents, ServerToClientEvents>): void {
    // Listeners first, before any await, so no early event or error is lost.
    socket.on('error', (e) => this.opts.log.warn('live socket error', { error: String(e) }))
    socket.on('live:subscribe', (req, ack) => {
      if (typeof ack !== 'function') return
      const raw = typeof req === 'object' && req !== null ? (req as { scope?: unknown }).scope : undefined
      this.snapshot(raw).then(
        (snapshot) => {
          const denied = this.deny(socket, snapshot.scope)
          if (denied) return ack({ ok: false, error: denied })
          for (const room of socket.rooms) if (room.startsWith('scope:')) void socket.leave(room)
          void socket.join(`scope:${snapshot.scope}`)
          ack({ ok: true, snapshot })
        },
        (e: unknown) => ack({ ok: false, error: e instanceof ScopeError ? e.message : 'the live data is not available right now' }),
      )
    })
  }

  private tick(): void {
    if (this.following()) return
    if (this.computing) {
      this.stats.skippedTicks++
      return
    }
    const now = this.now()
    const dayChanged = localDay(now, this.opts.tz) !== this.lastDay
    // With a shared store, other processes (npm run ingest, other replicas) store events too:
    // look every tick (a look costs what changed). Embedded, this process is the only writer.
    if (!this.dirty && !dayChanged && !this.opts.sharedStore && now - this.lastCompute < this.opts.idleRecomputeMs) return
    this.compute().then(
      () => {
        if (this.failures > 0) this.opts.log.info('live figures computed again', { afterFailures: this.failures })
        this.failures = 0
      },
      (e: unknown) => {
        // Once, then every 100th tick: a store away for an hour must not flood the log.
        if (this.failures++ % 100 === 0) this.opts.log.error('live compute failed', { error: String(e), failures: this.failures })
      },
    )
  }

  private async computeAll(): Promise<void> {
    const relay = this.opts.relay
    // Scaled out, only the leader computes, and only within one term: a compute that outlives
    // its lease or term is dropped whole (cache, sockets and followers untouched). That is safe,
    // since the next diff covers what it held; writing it here without relaying it is not.
    if (relay && !relay.leading()) return
    const term = relay?.term()
    this.dirty = false
    const started = performance.now()
    const now = this.now()
    const { tz } = this.opts
    const dayStart = localDayStart(now, tz)
    const ydayStart = localDayStart(dayStart - 1, tz)
    try {
      await this.refreshReports(now, ydayStart)
      const day = localDay(now, tz)
      // In the tick only when they must be current now (the first compute, a refresh, a new
      // day); otherwise the window timer reads them beside the ticks.
      if (this.windowsDue || day !== this.lastDay) await this.readWindows(now)
      const figures = liveFigures(this.reports.values(), this.opts.registry(), { now, dayStart, ydayStart, ydayNow: ydayStart + (now - dayStart), tz, sla: this.opts.sla() })
      const registry = this.opts.registry()
      const next = buildSnapshots({
        registry,
        microGrids: figures.microGrids,
        response: figures.response,
        ticker: this.ticker,
        overdue: overdueItems(registry, figures.overdue),
        windows: this.windows,
        ring: (cell) => this.rings.get(cell),
        visits: this.visits,
        alerts: alerts(registry, figures, this.windows),
        asOf: now,
        day,
        tz,
      })
      if (relay && (!relay.leading() || relay.term() !== term)) {
        this.dirty = true
        return
      }
      const patches: TickMessage['patches'] = []
      // The bench's push latency counts from here: figures computed, diffs and emits to come.
      this.stats.lastTick = { asOf: now, pushFrom: Date.now() }
      for (const [scope, snap] of next) {
        const patch = this.publish(scope, snap)
        if (patch) patches.push([scope, patch])
      }
      if (relay) this.relayTick(next, patches)
      this.lastDay = day
      this.lastCompute = now
      this.stats.computes++
      this.stats.lastComputeMs = performance.now() - started
    } catch (e) {
      this.dirty = true
      throw e
    }
  }

  /**
   * Brings the reports in memory up to date: in full at the start and every FULL_RELOAD_MS (a
   * safety net), otherwise only the reports with events stored since the watermark. A row is
   * stamped (stored_at) when its insert starts but seen only when the insert commits, and a slow
   * insert commits after faster ones. So with a shared store (other writers, unseen) the
   * watermark trails the store's clock by SETTLE_MS and each tick reads the last few seconds
   * again (applying a report's current state twice is harmless); embedded, where every write
   * goes through this process, it stops at the oldest write in flight (`settledBefore`), and a
   * tick under heavy ingest reads a tick's worth of changes, not five seconds' worth.
   */
  private async refreshReports(now: number, ydayStart: number): Promise<void> {
    const reader = this.opts.reader
    /**
     * The store time below which every row is surely read by a query started after this call.
     * Embedded, from the write horizon, taken before the store's clock (a write starting after
     * it stamps later rows); otherwise the store's clock less the settle window.
     */
    const settledThrough = async () => {
      const horizon = this.opts.settledBefore ? Math.min(Date.now(), this.opts.settledBefore()) - HORIZON_MARGIN_MS : undefined
      const clock = Number((await (await reader.query({ query: sql('store_now'), format: 'JSONEachRow' })).json<{ now: string | number }>())[0]!.now)
      return horizon === undefined ? clock - SETTLE_MS : Math.min(horizon, clock)
    }
    const fullLoad = async () => {
      const started = performance.now()
      const through = await settledThrough()
      const rows = await (await reader.query({ query: sql('live_reports'), query_params: { since: chTime(ydayStart) }, format: 'JSONCompactEachRow' })).json<LiveReportRow>()
      this.reports.replace(rows.map(fromRow))
      this.stats.lastFullLoadRows = rows.length
      this.watermark = through
      // Cleared only once a full load succeeded: a failed one is tried again at the next compute.
      this.fullLoadDue = false
      this.lastFullLoad = now
      this.stats.fullLoads++
      this.stats.lastFullLoadMs = performance.now() - started
    }
    const since = this.watermark
    if (since === undefined || this.fullLoadDue || now - this.lastFullLoad > FULL_RELOAD_MS) {
      await fullLoad()
    } else {
      const through = await settledThrough()
      const changed = await (
        await reader.query({ query: sql('live_reports_changed'), query_params: { since: chTime(since), limit: CHANGED_MAX + 1 }, format: 'JSONCompactEachRow' })
      ).json<LiveReportRow>()
      // A bulk load (a backfill, an import) changes more reports than a tick should carry: most
      // are old and closed, which the full load's filter leaves out.
      if (changed.length > CHANGED_MAX) {
        await fullLoad()
      } else {
        this.reports.upsert(changed.map(fromRow))
        this.watermark = Math.max(since, through)
      }
    }
    this.reports.evict(ydayStart)
    this.stats.reportsInMemory = this.reports.size
  }

  /**
   * Reads the window figures, or joins the read under way. A failure keeps the last figures (today's
   * keep flowing) and is retried no sooner than WINDOWS_RETRY_MS; it is logged, now and then.
   */
  private readWindows(now: number): Promise<void> {
    if (!this.windowsReading) {
      if (!this.windowsDue && now < this.windowsRetryAt) return Promise.resolve()
      this.windowsReading = this.refreshWindows(now)
        .catch((e: unknown) => {
          this.windowsRetryAt = now + WINDOWS_RETRY_MS
          this.windowsDue = false
          if (this.windowFailures++ % 10 === 0) this.opts.log.error('reading the window figures failed; the wall keeps the last ones', { error: String(e), failures: this.windowFailures })
        })
        .finally(() => {
          this.windowsReading = undefined
        })
    }
    return this.windowsReading
  }

  /** Reads the wider-window figures and the shapes of cells not drawn before. */
  private async refreshWindows(now: number): Promise<void> {
    const started = performance.now()
    const reader = this.opts.windowsReader ?? this.opts.reader
    const windows = await loadWindows(reader, now, this.opts.tz, this.opts.sla())
    await this.rings.load(reader, windows.hexes.flatMap((h) => Object.values(h.cells)))
    const visitRows = await loadVisitRows(reader, now)
    this.visits = visitCoverage(this.opts.registry(), visitRows, now)
    this.windows = windows
    this.windowsDue = false
    this.windowFailures = 0
    this.stats.lastWindowsMs = performance.now() - started
  }

  /** Leading with followers: this tick's patches (or every snapshot) go to them. */
  private relayTick(next: Map<Scope, Omit<LiveSnapshot, 'seq'>>, patches: TickMessage['patches']): void {
    const relay = this.opts.relay!
    if (!this.own.fullNext && patches.length === 0) return
    const full = this.own.fullNext ? [...next] : undefined
    this.own.fullNext = false
    relay.publishTick({ term: this.own.term, n: ++this.own.n, patches: full ? [] : patches, full })
  }

  /**
   * Sets a scope's snapshot and pushes its merge patch (seq + 1) to the scope's room on this
   * replica; returns the patch (without seq), or undefined when nothing changed.
   */
  private publish(scope: Scope, snap: Omit<LiveSnapshot, 'seq'>): Record<string, unknown> | undefined {
    const prev = this.cache.get(scope)
    if (!prev) {
      this.cache.set(scope, { ...snap, seq: 0 })
      return undefined
    }
    const { seq: _seq, ...prevData } = prev
    const patch = diff(prevData, snap)
    if (Object.keys(patch).length === 0) return undefined
    this.push(scope, snap, prev.seq + 1, patch)
    return patch
  }

  /** Caches a scope's next snapshot and sends its patch to the scope's room on this replica. */
  private push(scope: Scope, snap: Omit<LiveSnapshot, 'seq'>, seq: number, patch: Record<string, unknown>): void {
    this.cache.set(scope, { ...snap, seq })
    const room = `scope:${scope}`
    if (this.nsp && (this.nsp.adapter.rooms.get(room)?.size ?? 0) > 0) {
      this.nsp.local.to(room).emit('live:patch', { scope, seq, patch: { ...patch, seq } })
    }
  }

  private tickerItem(registry: Registry, r: Omit<TickerSource, 'event_id'>): TickerEntry {
    const note = r.note.length > NOTE_MAX ? `${r.note.slice(0, NOTE_MAX)}…` : r.note
    return {
      reportId: r.report_id,
      at: new Date(r.at).toISOString(),
      category: r.category,
      channel: r.channel,
      reporterRole: r.reporter_role,
      severity: Number(r.severity),
      microGrid: r.micro_grid,
      place: registry.displayPath(r.micro_grid, 'zh'),
      placeEn: registry.displayPath(r.micro_grid, 'en'),
      note,
      scopes: scopesOfMicroGrid(registry, r.micro_grid),
    }
  }

  private pushTicker(item: TickerEntry): void {
    // Late events are inserted in time order, so the newest stays last.
    let i = this.ticker.length
    while (i > 0 && this.ticker[i - 1]!.at > item.at) i--
    this.ticker.splice(i, 0, item)
    if (this.ticker.length > TICKER_RING) this.ticker.splice(0, this.ticker.length - TICKER_RING)
  }
}

/** The hub's figures in /metrics: how often and how long it computes, what it holds, who listens. */
export function registerHubMetrics(registry: MetricsRegistry, hub: LiveHub): void {
  const gauge = (name: string, help: string, read: () => number) => readGauge(registry, name, help, read)
  gauge('gridpulse_live_computes', 'Live recomputes of every scope since start', () => hub.stats.computes)
  gauge('gridpulse_live_skipped_ticks', 'Ticks skipped because a compute was still running', () => hub.stats.skippedTicks)
  gauge('gridpulse_live_last_compute_seconds', 'Duration of the last live recompute', () => hub.stats.lastComputeMs / 1000)
  gauge('gridpulse_live_last_windows_seconds', 'Duration of the last read of the 7-day, hex, baseline and visit figures', () => hub.stats.lastWindowsMs / 1000)
  gauge('gridpulse_live_last_full_load_seconds', 'Duration of the last full load of open and recent reports', () => hub.stats.lastFullLoadMs / 1000)
  gauge('gridpulse_live_reports_in_memory', 'Open and recent reports the hub holds', () => hub.stats.reportsInMemory)
  gauge('gridpulse_live_sockets', 'Sockets connected to /live', () => hub.sockets())
  gauge('gridpulse_live_leading', 'This replica computes the live figures (1), or applies the leader\'s ticks (0)', () => (hub.following() ? 0 : 1))
  gauge('gridpulse_live_ticks_applied', 'Ticks from the leading replica applied here', () => hub.stats.ticksApplied)
  gauge('gridpulse_live_syncs', 'Whole states taken from the leading replica', () => hub.stats.syncs)
}

/**
 * The wall's alerts: every open emergency of the last EMERGENCY_ALERT_MIN minutes, and every
 * category whose last 24 hours in a community are a spike against its usual daily level.
 */
function alerts(registry: Registry, figures: LiveFigures, windows: Windows): Array<WallAlert & { scopes: Scope[] }> {
  const out: Array<WallAlert & { scopes: Scope[] }> = []
  for (const r of figures.emergencies) {
    out.push({
      id: `emergency:${r.id}`,
      kind: 'emergency',
      category: r.category,
      code: r.microGrid,
      place: registry.displayPath(r.microGrid, 'zh'),
      placeEn: registry.displayPath(r.microGrid, 'en'),
      at: new Date(r.reportedAt!).toISOString(),
      reportId: r.id,
      scopes: scopesOfMicroGrid(registry, r.microGrid),
    })
  }
  // Without a week of history every category would look new: no spikes until there is one.
  if (windows.at > 0 && windows.baselineDays >= MIN_BASELINE_DAYS) {
    for (const [key, c] of figures.recent) {
      const usual = (windows.baseline.get(key) ?? 0) / windows.baselineDays
      if (c.category === 'emergency' || !isSpike(c.count, usual)) continue
      const place = registry.byCode.get(c.community)
      if (!place) continue
      out.push({
        id: `spike:${c.community}:${c.category}`,
        kind: 'spike',
        category: c.category,
        code: c.community,
        place: registry.displayPath(c.community, 'zh'),
        placeEn: registry.displayPath(c.community, 'en'),
        at: new Date(c.first).toISOString(),
        count: c.count,
        usual: Math.round(usual * 10) / 10,
        scopes: registry.ancestors(c.community).flatMap((p) => (scopeOf(p) ? [scopeOf(p)!] : [])).reverse(),
      })
    }
  }
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
}

/**
 * The overdue reports some scope will list: walking them most overdue first, a report is kept
 * only while one of its scopes still has room (OVERDUE_LIST), so a backlog of thousands costs
 * a few hundred display items per tick, not thousands.
 */
function overdueItems(registry: Registry, overdue: readonly Overdue[]): Array<OverdueItem & { scopes: Scope[] }> {
  const listed = new Map<Scope, number>()
  const scopesOf = new Map<string, Scope[]>()
  const out: Array<OverdueItem & { scopes: Scope[] }> = []
  for (const o of overdue) {
    const mg = o.report.microGrid
    let scopes = scopesOf.get(mg)
    if (!scopes) scopesOf.set(mg, (scopes = scopesOfMicroGrid(registry, mg)))
    if (scopes.every((sc) => (listed.get(sc) ?? 0) >= OVERDUE_LIST)) continue
    for (const sc of scopes) listed.set(sc, (listed.get(sc) ?? 0) + 1)
    out.push({
      reportId: o.report.id,
      category: o.report.category,
      microGrid: mg,
      place: registry.displayPath(mg, 'zh'),
      placeEn: registry.displayPath(mg, 'en'),
      since: new Date(o.since).toISOString(),
      stage: o.stage,
      overdueMin: Math.floor(o.overdueMs / 60_000),
      scopes,
    })
  }
  return out
}
