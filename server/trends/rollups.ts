/**
 * The rollup maintainer of the monthly review (migration 008): every FOLD_MS it folds the
 * reports and visits whose events were stored since its last pass into the rollup tables, which
 * the review then reads (server/trends/report.ts) instead of every report of the years it covers.
 *
 * One maintainer per store: two folding at once would both cancel and re-add the same
 * contributions. In one process that is one instance; with several server replicas, the holder
 * of the rollup lease (server/cluster) folds and the others only watch `rollup_state` to know
 * when the rollups may be read.
 *
 * A pass is safe to repeat and to cut short: a report folded again without change writes nothing,
 * visit sets are unions, and the watermark moves only after everything before it is folded. When
 * the time zone or the SLA table differs from what the rollups were folded with, they are emptied
 * and folded again from the start; until a pass completes under the current ones, `ready()` is
 * false and the review reads the events instead.
 *
 * Every COMPACT_MS, and after a fold from the start, it merges the tables a review reads into one
 * part each: the engine leaves each key's sums spread over a few parts, and a review would add up
 * every one of their histograms.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { Registry as MetricsRegistry } from 'prom-client'
import { readGauge } from '../gauges.ts'
import { chTime, sql } from '../../sql/queries.ts'
import type { SlaTable } from '../sla.ts'
import type { Logger } from '../log.ts'
import { HIST_BASE, HIST_GAMMA } from './histogram.ts'
import { DAY_MS } from './calendar.ts'

/** How often the maintainer folds (the review's figures lag the events by at most about this). */
export const FOLD_MS = 10_000
/**
 * A row is stamped (stored_at) when its insert starts but seen when it commits: each pass reads
 * the last few seconds again, as the live hub does (a refold without change writes nothing).
 */
const SETTLE_MS = 5_000
/**
 * Every this many passes (10 minutes) one reads back further: an insert that took longer than
 * SETTLE_MS to commit is folded then (a refold without change still writes nothing).
 */
const CATCH_UP_EVERY = 60
const CATCH_UP_MS = 10 * 60_000
/** A fold reads at most about this many reports at a time (bounds its memory). */
const FOLD_CHUNK = 1_000_000
/**
 * Whole UTC days whose hourly and daily sums the first pass checks: every day a review reads
 * from them (a month cut at an hour goes back to the same month a year ago: ≤ 397 days), inside
 * their 400 days, where the view's and the TTL's cut-offs cannot drop a step.
 */
const CHECK_DAYS = 398
/** A disagreement is checked again after this long before everything is folded again. */
const RECHECK_MS = 5_000
/**
 * How often the maintainer compacts the tables a review reads, and after every fold from the
 * start. The engine's own merges leave a table in a few parts with each key's sums spread over
 * them (at 100M, ~3 rows a key); a review adds up every one of those histograms.
 */
export const COMPACT_MS = 60 * 60_000
/**
 * The tables compacted: every one a review reads. trends_hourly too, though a review reads only
 * the hours around whole days from it: left to the engine's merges at 100M it stayed in 8 parts
 * of 19M rows (each key in ~3, rows past its 400-day TTL not yet dropped), and reading those few
 * hours took 40–46 ms of a street's review; in one part of 3.9M rows, 20–30 ms (BENCHMARKS.md,
 * "At scale"). Not trends_contrib, which reviews never read.
 */
const COMPACTED = ['trends_monthly', 'trends_hourly', 'trends_daily', 'visit_week_sets', 'visit_weeks'] as const
const TABLES = ['trends_contrib', 'trends_monthly', 'trends_hourly', 'trends_daily', 'visit_week_sets', 'visit_weeks'] as const

export interface RollupsDeps {
  /** A connection of its own: a full fold takes long and must not hold up reads. */
  client: ClickHouseClient
  tz: string
  sla: () => SlaTable
  log: Logger
  everyMs?: number
  /** How often to compact, and after every fold from the start (COMPACT_MS); 0: never. */
  compactEveryMs?: number
  /**
   * Scaled out (REDIS_URL): fold only while this lease is held; otherwise watch the maintainer's
   * state to know when the rollups can be read. Without it this process is the one maintainer.
   */
  lease?: { held(): boolean; readonly term: number }
}

export interface RollupStats {
  passes: number
  fullFolds: number
  lastPassMs: number
  lastFullFoldMs: number
  /** Store time the rollups are folded through (ms), 0 before the first pass. */
  through: number
  failures: number
  compactions: number
  lastCompactMs: number
}

export class TrendsRollups {
  readonly stats: RollupStats = { passes: 0, fullFolds: 0, lastPassMs: 0, lastFullFoldMs: 0, through: 0, failures: 0, compactions: 0, lastCompactMs: 0 }
  /** The lease term (0 without a lease) whose pass last completed; undefined while none has. */
  private readyTerm: number | undefined
  /** The SLA table (JSON) of the last completed pass. */
  private foldedSla = ''
  /** The passes, one after another. */
  private chain: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private stopped = false
  /**
   * The term whose first pass checked the sums against the contributions. Checked again at every
   * taking of the lease: if two replicas ever folded at once (Redis lost its keys), that pass
   * finds it and folds from the start.
   */
  private checkedTerm: number | undefined
  /** When this process last compacted (Date.now(); 0: not yet, so its first pass does). */
  private compactedAt = 0
  /** Not maintaining: the state the maintainer last wrote (tz, SLA JSON, through). */
  private watched: { tz: string; sla: string; through: number } | undefined

  constructor(private readonly deps: RollupsDeps) {}

  /** True once a pass has completed under the current time zone and SLA table. */
  ready(): boolean {
    const sla = JSON.stringify(this.deps.sla())
    if (this.maintaining() && this.readyTerm === this.term()) return sla === this.foldedSla
    // Watching, or just took the lease and its first pass is still to complete: what the
    // maintainer last wrote (the tables hold that until this process's first pass changes them).
    const w = this.watched
    return !!w && w.through > 0 && w.tz === this.deps.tz && w.sla === sla
  }

  /** This process folds (the one maintainer, or the holder of the lease). */
  maintaining(): boolean {
    return !this.deps.lease || this.deps.lease.held()
  }

  private term(): number {
    return this.deps.lease?.term ?? 0
  }

  /** Folds now and then every FOLD_MS, one pass at a time, until stop(). */
  start(): void {
    const loop = () => {
      if (this.stopped) return
      ;(this.maintaining() ? this.fold() : this.watch())
        .catch(() => undefined)
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, this.deps.everyMs ?? FOLD_MS)
        })
    }
    loop()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.chain
  }

  /** A pass after the one under way, if any: everything stored before the call is folded when it resolves. */
  fold(): Promise<void> {
    const next = this.chain.then(() => this.pass())
    this.chain = next.catch((e: unknown) => {
      this.stats.failures++
      this.deps.log.warn('folding the review rollups failed; the next pass tries again', { error: String(e) })
    })
    return next
  }

  private async pass(): Promise<void> {
    const { client, tz } = this.deps
    // Scaled out, every write below is the lease holder's alone (checked again before each).
    const mine = () => {
      if (!this.maintaining()) throw new Error('this process does not hold the rollup lease (now)')
    }
    mine()
    const started = performance.now()
    const sla = this.deps.sla()
    const slaKey = JSON.stringify(sla)
    const state = (
      await (await client.query({ query: sql('rollup_state'), format: 'JSONEachRow' })).json<{
        through: string | number
        tz: string
        sla: string
        version: string | number
      }>()
    )[0]
    // Once per process: the sums must hold what the contributions say (a crash between a
    // contribution and its views' writes would leave them short); if not, fold again from the start.
    const term = this.term()
    const unsound = this.checkedTerm !== term && !!state && !(await this.consistent())
    this.checkedTerm = term
    if (unsound) this.deps.log.warn('the review rollups disagree with their contributions; they are folded again from the start')
    const full = !state || state.tz !== tz || state.sla !== slaKey || unsound
    let version = Number(state?.version ?? 0) + 1
    if (full) {
      this.readyTerm = undefined
      this.watched = undefined
      if (state) this.deps.log.info('the review rollups are folded again from the start', { reason: state.tz !== tz ? 'time zone changed' : 'SLA changed' })
      // Replicas that watch this state read the events until the fold completes: they look every
      // FOLD_MS, so the tables are emptied only once they all have seen it.
      if (state) {
        mine()
        await client.insert({ table: 'rollup_state', values: [{ name: 'trends', through: chTime(0), tz, sla: '', version: version++ }], format: 'JSONEachRow' })
        if (this.deps.lease) await this.pause(2 * (this.deps.everyMs ?? FOLD_MS))
      }
      const distributed = await this.distributedTables()
      for (const t of TABLES) {
        mine()
        // On a cluster (sql/cluster/schema.sql) TRUNCATE of a Distributed table does nothing: empty
        // the shards' local tables. Names come from TABLES, never from input.
        await client.command({ query: distributed.has(t) ? `TRUNCATE TABLE ${t}_local ON CLUSTER '{cluster}'` : `TRUNCATE TABLE ${t}` })
      }
    }
    const clock = Number((await (await client.query({ query: sql('store_now'), format: 'JSONEachRow' })).json<{ now: string | number }>())[0]!.now)
    const back = this.stats.passes % CATCH_UP_EVERY === CATCH_UP_EVERY - 1 ? CATCH_UP_MS : SETTLE_MS
    const since = full ? 0 : Math.max(0, Number(state!.through) - back)
    const params = { tz, since: chTime(since), version: clock }

    // A fold reads its reports' current state and earlier contributions at once: chunk a big one.
    const n = Number((await (await client.query({ query: sql('report_count'), query_params: { all: full ? 1 : 0, since: params.since }, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    const chunks = Math.max(1, Math.ceil(n / FOLD_CHUNK))
    for (let chunk = 0; chunk < chunks; chunk++) {
      // A lease lost mid-pass (Redis away past its TTL): another replica may fold now; stop.
      mine()
      await client.command({
        query: sql('trends_fold_reports'),
        query_params: {
          ...params,
          all: full ? 1 : 0,
          chunks,
          chunk,
          categories: sla.categories,
          resolve_min: sla.resolveMin,
          default_resolve_min: sla.defaultResolveMin,
          hist_base: HIST_BASE,
          hist_gamma: HIST_GAMMA,
        },
      })
    }
    mine()
    await client.command({ query: sql('trends_fold_visit_sets'), query_params: params })
    mine()
    await client.command({ query: sql('trends_fold_visit_weeks'), query_params: params })
    mine()
    await client.insert({
      table: 'rollup_state',
      values: [{ name: 'trends', through: chTime(clock), tz, sla: slaKey, version: Math.max(clock, version) }],
      format: 'JSONEachRow',
    })
    this.stats.through = clock
    this.stats.passes++
    this.stats.lastPassMs = performance.now() - started
    if (full) {
      this.stats.fullFolds++
      this.stats.lastFullFoldMs = this.stats.lastPassMs
      this.deps.log.info('review rollups folded from the start', { ms: Math.round(this.stats.lastPassMs), reports: n, chunks })
    }
    this.foldedSla = slaKey
    this.readyTerm = term
    const every = this.deps.compactEveryMs ?? COMPACT_MS
    if (every > 0 && (full || Date.now() - this.compactedAt >= every)) await this.compactNow()
  }

  /** A compaction after the pass under way, if any, whatever compactEveryMs says (the maintainer's own run at their times). */
  compact(): Promise<void> {
    const next = this.chain.then(() => this.compactNow())
    this.chain = next
    return next
  }

  /**
   * Merges each table a review reads into one part (rollup_compact.sql), once a pass has made the
   * rollups ready: reviews go on meanwhile, from the parts as they are. A failure costs only
   * speed, so it is logged and tried again at the next pass.
   */
  private async compactNow(): Promise<void> {
    const started = performance.now()
    try {
      const distributed = await this.distributedTables()
      for (const t of COMPACTED) {
        if (!this.maintaining()) return
        await this.deps.client.command(
          distributed.has(t) ? { query: sql('rollup_compact_cluster'), query_params: { table: `${t}_local` } } : { query: sql('rollup_compact'), query_params: { table: t } },
        )
      }
      this.compactedAt = Date.now()
      this.stats.compactions++
      this.stats.lastCompactMs = performance.now() - started
      this.deps.log.info('review rollups compacted', { ms: Math.round(this.stats.lastCompactMs) })
    } catch (e) {
      this.deps.log.warn('compacting the review rollups failed; the next pass tries again', { error: String(e) })
    }
  }

  /** Waits `ms`, ending early (with an error: the pass stops) when the maintainer is stopped. */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms
    while (Date.now() < until && !this.stopped) await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())))
    if (this.stopped) throw new Error('stopping')
  }

  /** Which of the rollup tables are Distributed (a store built from the cluster schema). */
  private async distributedTables(): Promise<Set<string>> {
    const rs = await this.deps.client.query({ query: sql('distributed_tables'), query_params: { names: [...TABLES] }, format: 'JSONEachRow' })
    return new Set((await rs.json<{ name: string }>()).map((r) => r.name))
  }

  /** Reads what the maintaining replica folded through, and under which time zone and SLA. */
  private async watch(): Promise<void> {
    try {
      const rows = await (await this.deps.client.query({ query: sql('rollup_state'), format: 'JSONEachRow' })).json<{ through: string | number; tz: string; sla: string }>()
      const row = rows[0]
      this.watched = row ? { tz: row.tz, sla: row.sla, through: Number(row.through) } : undefined
      this.stats.through = this.watched?.through ?? 0
    } catch (e) {
      this.watched = undefined
      throw e
    }
  }

  /**
   * Whether the rollups count every step the live contributions hold: all of them in the monthly
   * sums, and those of the last CHECK_DAYS whole UTC days in the hourly and daily ones. A
   * disagreement is read again a moment later: the sums are separate reads, and a fold still
   * running on a replica that just lost the lease could fall between them. Only a lasting one
   * costs a refold (25 minutes at 100M).
   */
  private async consistent(): Promise<boolean> {
    if (await this.sumsAgree()) return true
    await this.pause(RECHECK_MS)
    return await this.sumsAgree()
  }

  private async sumsAgree(): Promise<boolean> {
    const dayTo = Math.floor(Date.now() / DAY_MS) * DAY_MS
    const rows = await (
      await this.deps.client.query({ query: sql('rollup_check'), query_params: { day_from: chTime(dayTo - CHECK_DAYS * DAY_MS), day_to: chTime(dayTo) }, format: 'JSONEachRow' })
    ).json<Record<'contributed' | 'summed' | 'contributed_days' | 'hourly' | 'daily', string>>()
    const row = rows[0]
    return !!row && Number(row.contributed) === Number(row.summed) && Number(row.contributed_days) === Number(row.hourly) && Number(row.contributed_days) === Number(row.daily)
  }
}

/** The maintainer in /metrics: how far behind the rollups are and what their passes cost. */
export function registerRollupMetrics(registry: MetricsRegistry, rollups: TrendsRollups): void {
  const gauge = (name: string, help: string, read: () => number) => readGauge(registry, name, help, read)
  gauge('gridpulse_trends_rollup_through_seconds', 'Store time the review rollups are folded through (unix seconds; 0 before the first pass)', () => rollups.stats.through / 1000)
  gauge('gridpulse_trends_rollup_ready', '1 when reviews are read from the rollups, 0 while they are folded from the start', () => (rollups.ready() ? 1 : 0))
  gauge('gridpulse_trends_rollup_last_pass_seconds', 'Duration of the last fold pass', () => rollups.stats.lastPassMs / 1000)
  gauge('gridpulse_trends_rollup_maintaining', '1 when this process folds the rollups (the one maintainer, or the lease holder)', () => (rollups.maintaining() ? 1 : 0))
  gauge('gridpulse_trends_rollup_last_compaction_seconds', 'Duration of the last compaction of the tables a review reads (OPTIMIZE … FINAL, hourly and after a fold from the start)', () => rollups.stats.lastCompactMs / 1000)
  gauge('gridpulse_trends_rollup_failures', 'Fold passes that failed since start', () => rollups.stats.failures)
}
