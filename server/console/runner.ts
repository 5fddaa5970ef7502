/**
 * Runs analysts' SQL (issue 7) on a connection of its own that the engine holds read-only
 * (readonly = 2: reads only; SETTINGS clauses are refused by the guard), one query at a time
 * with a short queue, inside bounds on time, result rows and bytes, rows read and memory, and
 * inside the analyst's scope: every console table is filtered to the scope's rows by the engine
 * (additional_table_filters), also when read through a view. Every query is logged with its user.
 */
import crypto from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import { parseScope, type Scope, type ScopeLevel } from '../contracts/live.ts'
import type { Logger } from '../log.ts'
import { chTime, sql } from '../../sql/queries.ts'
import { checkQuery, isOfferedFormat, QueryRefused, syntaxMessage, type CheckedQuery } from './guard.ts'
import type { ConsoleColumn, ConsoleResult } from '../contracts/console.ts'

export interface ConsoleLimits {
  /** Seconds a query may run. */
  maxExecutionSec: number
  /** Rows a result may hold (the console shows at most this many). */
  maxResultRows: number
  /** Bytes a result may hold. */
  maxResultBytes: number
  /** Rows a query may read. */
  maxRowsToRead: number
  /** Memory a query may use. */
  maxMemoryBytes: number
}

export const DEFAULT_LIMITS: ConsoleLimits = {
  maxExecutionSec: 30,
  maxResultRows: 100_000,
  maxResultBytes: 200_000_000,
  maxRowsToRead: 2_000_000_000,
  maxMemoryBytes: 4_000_000_000,
}

/** Who runs a query: the user and the scope their rows are limited to. */
export interface Asker {
  userId: string
  username: string
  scope: Scope
}

export class ConsoleBusyError extends Error {
  readonly retryAfterSec = 5
  constructor(message = 'the SQL console is running other queries; try again in a few seconds') {
    super(message)
  }
}

/** The engine refused or failed the query (its message, without the stack). */
export class QueryFailed extends Error {}

const MAX_WAITING = 4
/** Runs one analyst may have running or waiting: one analyst cannot take every place. */
const MAX_PER_USER = 2

/** A string literal for SQL text: the engine's escaping, for values we made (never user text). */
function literal(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/**
 * Where each level's code sits in report_state's origin, split on tabs (migration 012). A row of
 * report_state is one insert's part of a report, filtered by its own origin: a report whose
 * steps came from two places shows each analyst the steps from theirs (sql/README.md).
 */
const ORIGIN_FIELD: Record<Exclude<ScopeLevel, 'city'>, number> = { district: 6, street: 5, community: 4 }

/** The row filter of each console table for a scope (the city: none). */
export function scopeFilters(scope: Scope): Record<string, string> {
  const s = parseScope(scope)
  // A scope that does not parse must not read as the whole city.
  if (!s) throw new QueryRefused(`your scope (${String(scope)}) is not one the console knows; ask an admin`)
  if (s.level === 'city') return {}
  const col = s.level
  const code = literal(s.code)
  const inTree = (c: string) => `(${c} = ${code} OR startsWith(${c}, ${literal(`${s.code}.`)}))`
  return {
    report_events: `${col} = ${code}`,
    report_state: `splitByChar('\\t', origin)[${ORIGIN_FIELD[s.level]}] = ${code}`,
    visit_events: `${col} = ${code}`,
    places: inTree('code'),
    place_boundaries: inTree('code'),
    trends_monthly: inTree('unit'),
    trends_hourly: inTree('unit'),
    visit_weeks: inTree('unit'),
  }
}

function filtersSetting(scope: Scope): string {
  const entries = Object.entries(scopeFilters(scope)).map(([t, f]) => `${literal(t)}: ${literal(f)}`)
  return `{${entries.join(', ')}}`
}

export interface ConsoleDeps {
  /** The analyst connection: nothing else runs on it. */
  client: ClickHouseClient
  /** For the log, the table list and cancelling (KILL QUERY needs a second connection). */
  admin: ClickHouseClient
  engine: 'embedded' | 'server'
  limits?: ConsoleLimits
  log: Logger
}

export class SqlConsole {
  private readonly limits: ConsoleLimits
  /** Runs asked and not finished, by run id: who asked, and whether it was cancelled. */
  private readonly runs = new Map<string, { userId: string; cancelled: boolean; started: boolean }>()
  private running = false
  private readonly waiting: Array<() => void> = []
  private ready: Promise<void> | undefined

  constructor(private readonly deps: ConsoleDeps) {
    this.limits = deps.limits ?? DEFAULT_LIMITS
  }

  /** Makes the embedded session read-only and bounded, once (a ClickHouse server gets them per query). */
  private init(): Promise<void> {
    this.ready ??= (async () => {
      if (this.deps.engine !== 'embedded') return
      for (const [k, v] of Object.entries(this.settings())) await this.deps.client.command({ query: `SET ${k} = ${typeof v === 'string' ? literal(v) : v}` })
      await this.deps.client.command({ query: 'SET readonly = 2' })
    })().catch((e: unknown) => {
      this.ready = undefined // tried again with the next query
      throw e
    })
    return this.ready
  }

  private settings(): Record<string, string | number> {
    const l = this.limits
    return {
      max_execution_time: l.maxExecutionSec,
      timeout_overflow_mode: 'throw',
      max_result_rows: l.maxResultRows + 1,
      max_result_bytes: l.maxResultBytes,
      result_overflow_mode: 'break',
      max_rows_to_read: l.maxRowsToRead,
      read_overflow_mode: 'throw',
      max_memory_usage: l.maxMemoryBytes,
      max_threads: 2,
      // 64-bit integers (counts, H3 cells) as strings in JSON: JavaScript numbers would lose bits.
      output_format_json_quote_64bit_integers: 1,
    }
  }

  private async slot(): Promise<void> {
    if (!this.running) {
      this.running = true
      return
    }
    if (this.waiting.length >= MAX_WAITING) throw new ConsoleBusyError()
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  private release(): void {
    const next = this.waiting.shift()
    if (next) next()
    else this.running = false
  }

  /**
   * Checks `query` and runs it for `asker`, in their scope, one query at a time; marked with
   * `runId` so it can be cancelled, waiting or running. The check runs on the analyst
   * connection too, inside the queue: nothing an analyst sends reaches another connection.
   */
  private async execute<T>(asker: Asker, query: string, allowFormat: boolean, runId: string, read: (checked: CheckedQuery, marked: string, settings: Record<string, string | number>) => Promise<T>): Promise<T> {
    const mine = [...this.runs.values()].filter((r) => r.userId === asker.userId).length
    if (mine >= MAX_PER_USER) throw new ConsoleBusyError(`you have ${mine} queries running or waiting; wait for them or cancel one`)
    const run = { userId: asker.userId, cancelled: false, started: false }
    this.runs.set(runId, run)
    try {
      const filters = filtersSetting(asker.scope)
      await this.init()
      await this.slot()
      try {
        if (run.cancelled) throw new QueryFailed('the query was cancelled')
        run.started = true
        const checked = await checkQuery(this.deps.client, query, { allowFormat })
        const marked = `/* gridpulse-console ${runId} */\n${checked.text}`
        if (this.deps.engine === 'embedded') {
          await this.deps.client.command({ query: `SET additional_table_filters = ${filters}` })
          return await read(checked, marked, {})
        }
        return await read(checked, marked, { ...this.settings(), readonly: 2, additional_table_filters: filters })
      } finally {
        this.release()
      }
    } finally {
      this.runs.delete(runId)
    }
  }

  /** Runs a console query; logs it. `explain`: EXPLAIN of that kind instead. */
  async run(asker: Asker, query: string, opts: { runId?: string; explain?: 'plan' | 'pipeline' | 'syntax'; limit?: number } = {}): Promise<ConsoleResult> {
    const started = performance.now()
    const runId = opts.runId ?? crypto.randomUUID()
    const limit = Math.min(opts.limit ?? this.limits.maxResultRows, this.limits.maxResultRows)
    try {
      const result = await this.execute(asker, query, false, runId, async (checked, marked, settings) => {
        const q = opts.explain && !checked.explain ? marked.replace(/\n/, `\nEXPLAIN ${opts.explain.toUpperCase()}\n`) : marked
        const rs = await this.deps.client.query({ query: q, format: 'JSONCompactEachRowWithNamesAndTypes', clickhouse_settings: settings as never })
        const lines = await rs.json<unknown[]>()
        const [names = [], types = [], ...rows] = lines as [string[], string[], ...unknown[][]]
        const columns: ConsoleColumn[] = names.map((name, i) => ({ name, type: types[i] ?? '' }))
        return { columns, rows: rows.slice(0, limit), truncated: rows.length > limit }
      })
      const out: ConsoleResult = { runId, ...result, rowCount: result.rows.length, elapsedMs: Math.round(performance.now() - started) }
      this.record(asker, 'console', query, 'ok', '', out.rowCount, out.elapsedMs)
      return out
    } catch (e) {
      throw this.failed(asker, 'console', query, e, started)
    }
  }

  /** Runs a query for the ClickHouse-compatible endpoint: its text in `format` (the query's FORMAT, else `defaultFormat`). */
  async runRaw(asker: Asker, query: string, defaultFormat: string): Promise<{ body: string; format: string; runId: string }> {
    const started = performance.now()
    const runId = crypto.randomUUID()
    try {
      // The client writes `FORMAT <format>` after the query: only a format from the list may go there.
      if (!isOfferedFormat(defaultFormat)) throw new QueryRefused(`default_format ${JSON.stringify(defaultFormat)} is not offered here`)
      let format = defaultFormat
      const body = await this.execute(asker, query, true, runId, async (checked, marked, settings) => {
        format = checked.format ?? defaultFormat
        return (await this.deps.client.query({ query: marked, format: format as never, clickhouse_settings: settings as never })).text()
      })
      this.record(asker, 'http', query, 'ok', '', 0, Math.round(performance.now() - started))
      return { body, format, runId }
    } catch (e) {
      throw this.failed(asker, 'http', query, e, started)
    }
  }

  /** Stops a run of this user's, waiting (it will not start) or running (killed), if any. */
  async cancel(userId: string, runId: string): Promise<void> {
    const run = this.runs.get(runId)
    if (!run || run.userId !== userId) return
    run.cancelled = true
    if (run.started) await this.deps.admin.command({ query: sql('console_kill'), query_params: { marker: `%gridpulse-console ${runId} %` } })
  }

  private failed(asker: Asker, via: 'console' | 'http', query: string, e: unknown, started: number): Error {
    const ms = Math.round(performance.now() - started)
    if (e instanceof QueryRefused || e instanceof ConsoleBusyError) {
      this.record(asker, via, query, e instanceof QueryRefused ? 'refused' : 'failed', e.message, 0, ms)
      return e
    }
    const message = syntaxMessage(e).replace(/\/\* gridpulse-console [0-9a-f-]+ \*\/\s*/g, '')
    const cancelled = /QUERY_WAS_CANCELLED|cancelled/i.test(message)
    this.record(asker, via, query, cancelled ? 'cancelled' : 'failed', message, 0, ms)
    return new QueryFailed(cancelled ? 'the query was cancelled' : message)
  }

  private record(asker: Asker, via: string, query: string, status: string, error: string, rows: number, elapsedMs: number): void {
    this.deps.admin
      .insert({
        table: 'sql_query_log',
        values: [{ at: chTime(Date.now()), user_id: asker.userId, username: asker.username, scope: asker.scope, via, query: query.slice(0, 65_536), status, error: error.slice(0, 2000), rows, elapsed_ms: elapsedMs }],
        format: 'JSONEachRow',
      })
      .catch((e: unknown) => this.deps.log.error('writing the SQL console log failed', { error: String(e), user: asker.username }))
    this.deps.log.info('sql console query', { user: asker.username, scope: asker.scope, via, status, rows, ms: elapsedMs, error: error || undefined })
  }
}
