/**
 * The one place that reads the environment. Every other module takes a `Config`.
 *
 * Sources, in order: explicit overrides passed to `loadConfig` (tests, CLIs), then
 * `process.env`, then the defaults below. Each value is parsed and checked here, so a bad
 * value stops start-up with a message naming the variable, never a surprise later.
 */
import os from 'node:os'
import path from 'node:path'

export type DemoMode = 'full' | 'registry' | 'off'

export interface Config {
  port: number
  host: string
  dataDir: string
  /** Set → talk to this ClickHouse server over HTTP instead of the embedded engine. */
  clickhouseUrl: string | undefined
  /** The SQL console's ClickHouse user, read-only grants (with CLICKHOUSE_URL); unset: CLICKHOUSE_URL's. */
  clickhouseAnalystUrl: string | undefined
  redisUrl: string | undefined
  /**
   * With REDIS_URL: the live lease's TTL, ms — how long walls stand still when the replica that
   * computes for all dies (the rollup maintainer's lease is ten times as long).
   */
  leaseMs: number
  demo: DemoMode
  /** Multiplies the live simulator's event rate (1 = the real rate of the demo registry). */
  demoSpeed: number
  /** Deterministic demo data: the same seed gives the same registry and history. */
  demoSeed: number
  /** Months of history the demo backfills on first start. */
  demoBackfillMonths: number
  tz: string
  /**
   * This process may maintain the review rollups (server/trends/rollups.ts). One folds per
   * store: with REDIS_URL the replicas take turns through a lease; without it, on a shared
   * ClickHouse, all but one set GRIDPULSE_ROLLUPS=0 (they read what the one folds).
   */
  rollups: boolean
  /**
   * How often the maintainer merges the tables a review reads into one part each (and after every
   * fold from the start), ms; 0: never (the engine's own merges only).
   */
  rollupCompactMs: number
  adminPassword: string | undefined
  ingestKey: string | undefined
  displayToken: string | undefined
  production: boolean
  ingest: {
    /** Largest accepted request body, bytes. */
    maxBodyBytes: number
    /** Largest number of events in one request. */
    maxBatchRows: number
    /** Flush to the store when this many rows wait… */
    flushRows: number
    /** …taking up to this many at once when more wait (a backlog is stored in fewer, larger inserts). */
    flushMaxRows: number
    /** …or when the oldest waiting row is this old, ms. */
    flushMs: number
    /** Spooled bytes per stream that may wait for the store before ingest answers 503. */
    spoolMaxBytes: number
    /** Request bytes in processing at once before ingest answers 429. */
    maxInFlightBytes: number
    /** How long a request body may send nothing before ingest answers 408, ms. */
    bodyIdleMs: number
    /** Worker threads that parse and validate request bodies (0: the main thread). */
    workers: number
    /** Event ids remembered per stream to answer resends as duplicates. */
    recentIds: number
    /** Longest wait between retries of a failing store, ms (the backoff doubles up to it). */
    retryMaxMs: number
  }
  live: {
    /** How often the live hub looks for fresh data, ms. */
    tickMs: number
    /** Recompute even without fresh data this often (overdue clocks, midnight), ms. */
    idleRecomputeMs: number
    /** How often the wider-window figures (7 days, hexes, spike baselines, visits) are read. */
    windowMs: number
  }
  /** Where the built dashboard lives; served when present. */
  dashboardDir: string
  /** Bearer token for `GET /metrics`; unset: only loopback clients may scrape. */
  metricsToken: string | undefined
  /** A CJK font (.ttc/.ttf/.otf) for the monthly pack's PDF; unset: the usual Noto CJK paths. */
  pdfFont: string | undefined
}

type Env = Record<string, string | undefined>

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`"${variable}" ${message}`)
    this.name = 'ConfigError'
  }
}

function str(env: Env, name: string): string | undefined {
  const v = env[name]
  return v === undefined || v.trim() === '' ? undefined : v.trim()
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name)
  if (raw === undefined) return fallback
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, `has invalid numeric value "${raw}"`)
  const n = Number(raw)
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`)
  return n
}

function num(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = str(env, name)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n)) throw new ConfigError(name, `has invalid numeric value "${raw}"`)
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`)
  return n
}

function url(env: Env, name: string): string | undefined {
  const raw = str(env, name)
  if (raw === undefined) return undefined
  try {
    return new URL(raw).toString()
  } catch {
    throw new ConfigError(name, `is not a valid URL: "${raw}"`)
  }
}

function demoMode(env: Env): DemoMode {
  const raw = str(env, 'GRIDPULSE_DEMO') ?? '1'
  if (raw === '1') return 'full'
  if (raw === 'registry') return 'registry'
  if (raw === '0') return 'off'
  throw new ConfigError('GRIDPULSE_DEMO', `must be 1, registry or 0, got "${raw}"`)
}

function timeZone(env: Env): string {
  const tz = str(env, 'GRIDPULSE_TZ') ?? 'Asia/Shanghai'
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
  } catch {
    throw new ConfigError('GRIDPULSE_TZ', `is not a known IANA time zone: "${tz}"`)
  }
  return tz
}

/** Replicas share one store: with its own embedded store each, a replica's events would reach no other's wall. */
function redisUrl(e: Env): string | undefined {
  const u = url(e, 'REDIS_URL')
  if (u && !str(e, 'CLICKHOUSE_URL')) throw new ConfigError('REDIS_URL', 'needs CLICKHOUSE_URL too: replicas share one store (a ClickHouse server, or `npm run store`), not an embedded one each')
  return u
}

/**
 * Ingest worker threads by default: cores − 1, but at least two where there are two cores (the
 * OS shares the cores among the busy threads, so one worker got ~0.6 of a core during a burst,
 * and two acknowledged 1.04–1.31× as fast: BENCHMARKS.md, "Two ingest workers on two cores"; an
 * idle worker costs nothing), at most four, one on a single core.
 */
function defaultWorkers(cores: number): number {
  return cores < 2 ? 1 : Math.min(4, Math.max(2, cores - 1))
}

/** Parses and checks the whole configuration; throws `ConfigError` naming the bad variable. */
export function loadConfig(overrides: Env = {}, env: Env = process.env): Config {
  const e: Env = { ...env, ...overrides }
  const production = str(e, 'NODE_ENV') === 'production'
  return {
    port: int(e, 'PORT', 8080, 0, 65535),
    host: str(e, 'HOST') ?? '0.0.0.0',
    dataDir: path.resolve(str(e, 'DATA_DIR') ?? './data'),
    clickhouseUrl: url(e, 'CLICKHOUSE_URL'),
    clickhouseAnalystUrl: url(e, 'CLICKHOUSE_ANALYST_URL'),
    redisUrl: redisUrl(e),
    leaseMs: int(e, 'CLUSTER_LEASE_MS', 3000, 500, 60_000),
    demo: demoMode(e),
    demoSpeed: num(e, 'GRIDPULSE_DEMO_SPEED', 1, 0.01, 1000),
    demoSeed: int(e, 'GRIDPULSE_DEMO_SEED', 20221107, 0, 2 ** 31 - 1),
    demoBackfillMonths: int(e, 'GRIDPULSE_DEMO_MONTHS', 12, 0, 36),
    tz: timeZone(e),
    rollups: int(e, 'GRIDPULSE_ROLLUPS', 1, 0, 1) === 1,
    rollupCompactMs: int(e, 'GRIDPULSE_ROLLUP_COMPACT_MS', 3_600_000, 0, 7 * 86_400_000),
    adminPassword: str(e, 'GRIDPULSE_ADMIN_PASSWORD'),
    ingestKey: str(e, 'GRIDPULSE_INGEST_KEY'),
    displayToken: str(e, 'GRIDPULSE_DISPLAY_TOKEN'),
    production,
    ingest: {
      maxBodyBytes: int(e, 'INGEST_MAX_BODY_BYTES', 16 * 1024 * 1024, 1024, 1024 ** 3),
      maxBatchRows: int(e, 'INGEST_MAX_BATCH_ROWS', 50_000, 1, 1_000_000),
      flushRows: int(e, 'INGEST_FLUSH_ROWS', 10_000, 1, 1_000_000),
      flushMaxRows: int(e, 'INGEST_FLUSH_MAX_ROWS', 50_000, 1, 1_000_000),
      flushMs: int(e, 'INGEST_FLUSH_MS', 100, 1, 60_000),
      spoolMaxBytes: int(e, 'INGEST_SPOOL_MAX_BYTES', 1024 ** 3, 1024 * 1024, 1024 ** 4),
      maxInFlightBytes: int(e, 'INGEST_MAX_INFLIGHT_BYTES', 128 * 1024 * 1024, 1024, 16 * 1024 ** 3),
      bodyIdleMs: int(e, 'INGEST_BODY_IDLE_MS', 15_000, 100, 120_000),
      workers: int(e, 'INGEST_WORKERS', defaultWorkers(os.availableParallelism()), 0, 64),
      recentIds: int(e, 'INGEST_RECENT_IDS', 300_000, 1000, 50_000_000),
      retryMaxMs: int(e, 'INGEST_RETRY_MAX_MS', 30_000, 100, 600_000),
    },
    live: {
      tickMs: int(e, 'LIVE_TICK_MS', 250, 20, 60_000),
      idleRecomputeMs: int(e, 'LIVE_IDLE_RECOMPUTE_MS', 5_000, 100, 600_000),
      windowMs: int(e, 'LIVE_WINDOW_MS', 60_000, 1_000, 3_600_000),
    },
    dashboardDir: path.resolve(str(e, 'DASHBOARD_DIR') ?? 'dashboard/dist'),
    metricsToken: str(e, 'GRIDPULSE_METRICS_TOKEN'),
    pdfFont: str(e, 'GRIDPULSE_PDF_FONT'),
  }
}

/** `npm run store`: the embedded engine served over the ClickHouse HTTP interface. */
export interface StoreServerConfig {
  port: number
  host: string
  dataDir: string
  sessions: number
  user: string | undefined
  password: string | undefined
  maxBodyBytes: number
}

/**
 * The store server's configuration: `STORE_PORT` (8123), `STORE_HOST` (127.0.0.1: loopback
 * unless a password is set), `DATA_DIR`, `STORE_SESSIONS`, `STORE_USER` / `STORE_PASSWORD`.
 */
export function loadStoreConfig(overrides: Env = {}, env: Env = process.env): StoreServerConfig {
  const e: Env = { ...env, ...overrides }
  const user = str(e, 'STORE_USER')
  const password = str(e, 'STORE_PASSWORD')
  if ((user === undefined) !== (password === undefined)) throw new ConfigError(user === undefined ? 'STORE_USER' : 'STORE_PASSWORD', 'must be set together with its pair')
  const host = str(e, 'STORE_HOST') ?? '127.0.0.1'
  if (password === undefined && host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new ConfigError('STORE_HOST', `is ${host}: listening beyond loopback needs STORE_USER and STORE_PASSWORD`)
  }
  return {
    port: int(e, 'STORE_PORT', 8123, 0, 65535),
    host,
    dataDir: path.resolve(str(e, 'DATA_DIR') ?? './data'),
    sessions: int(e, 'STORE_SESSIONS', 4, 1, 64),
    user,
    password,
    maxBodyBytes: int(e, 'STORE_MAX_BODY_BYTES', 256 * 1024 * 1024, 1024, 16 * 1024 ** 3),
  }
}
