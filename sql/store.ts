/**
 * The store factory: one `@clickhouse/client` API over two engines (DESIGN §2).
 * Embedded chdb by default (data in `dataDir`), a ClickHouse server when `clickhouseUrl` is set.
 * The same SQL runs on both; nothing else in the code knows which engine it talks to (the one
 * difference, how an insert's bytes travel, is `insertLines`'s own).
 */
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { ClickHouseLogLevel, createClient, parseError, type ClickHouseClient } from '@clickhouse/client'
import { checkInsert, insertStatement } from './queries.ts'

export interface StoreOptions {
  dataDir: string
  clickhouseUrl?: string | undefined
  /** The SQL console's ClickHouse user (read-only grants); unset: clickhouseUrl's. */
  clickhouseAnalystUrl?: string | undefined
}

/**
 * Separate connections per job: one chdb connection runs one query at a time, so ingest writes,
 * wall reads and admin work each get their own and never queue behind each other.
 */
export interface Store {
  /** Inserts from the ingest batcher. */
  writer: ClickHouseClient
  /** Live-hub and REST reads. */
  reader: ClickHouseClient
  /** Migrations, registry import, keys: rare, may be slow. */
  admin: ClickHouseClient
  /** Leaders' reviews and their exports: heavy reads that must not hold up the live hub's ticks. */
  reports: ClickHouseClient
  /** The review rollups' maintainer: long folds that must not hold up reviews or the wall. */
  rollups: ClickHouseClient
  /** The analysts' SQL console: read-only, its own session (server/console/runner.ts). */
  analyst: ClickHouseClient
  engine: 'embedded' | 'server'
  /**
   * Inserts whole JSONCompactEachRow lines on the writer connection, under a deduplication token:
   * `INSERT INTO table (columns) SETTINGS insert_deduplication_token = … FORMAT JSONCompactEachRow`
   * on both engines. Only how the bytes travel differs: over HTTP to a server; embedded, handed to
   * the engine as they are (chdb's raw insert) instead of as a JS string copied twice on the event
   * loop (BENCHMARKS.md, "The ingest hot path"). Errors have the client's shape (code, type).
   */
  insertLines(table: string, columns: readonly string[], lines: readonly Buffer[], token: string): Promise<void>
  /**
   * Embedded only (this process is the store's one writer): every `report_events` row stamped
   * (stored_at) before this instant is committed — the start of the oldest write in flight, or
   * +Infinity when none is. The live hub reads changes up to here instead of re-reading a
   * settle window each tick. Undefined with a server, where other processes write too.
   */
  settledBefore?: () => number
  close(): Promise<void>
}

/** `report_events`, bare, quoted or database-qualified. */
const isEventsTable = (name: string) => /^(?:[`"]?\w+[`"]?\.)?[`"]?report_events[`"]?$/.test(name.trim())
/** An INSERT into report_events, after any leading comments (`INSERT INTO [TABLE] [db.]report_events`). */
function insertsEvents(query: string | undefined): boolean {
  const text = (query ?? '').replace(/^(?:\s+|--[^\n]*\n|\/\*[\s\S]*?\*\/)*/, '')
  const m = /^INSERT\s+INTO\s+(?:TABLE\s+)?((?:[`"]?\w+[`"]?\.)?[`"]?\w+[`"]?)/i.exec(text)
  return !!m && isEventsTable(m[1]!)
}

/** Writes to report_events in flight through a client, by their start (ms since epoch). */
class WriteTracker {
  private readonly started = new Map<number, number>()
  private next = 0

  settledBefore(): number {
    let min = Number.POSITIVE_INFINITY
    for (const t of this.started.values()) if (t < min) min = t
    return min
  }

  /** `run`, timed as a write to report_events when `writes` says it is one (it stamps stored_at as it runs). */
  track<A extends unknown[], R>(run: (...args: A) => Promise<R>, writes: (...args: A) => boolean): (...args: A) => Promise<R> {
    return async (...args: A): Promise<R> => {
      if (!writes(...args)) return run(...args)
      const id = this.next++
      this.started.set(id, Date.now())
      try {
        return await run(...args)
      } finally {
        this.started.delete(id)
      }
    }
  }

  /** The client, with its writes to report_events timed. */
  wrap(client: ClickHouseClient): ClickHouseClient {
    const track = this.track.bind(this)
    client.insert = track(client.insert.bind(client), (p) => isEventsTable(p.table)) as typeof client.insert
    client.command = track(client.command.bind(client), (p) => insertsEvents(p.query))
    // exec resolves when the engine answers, which for an INSERT is after its rows are committed.
    client.exec = track(client.exec.bind(client), (p) => insertsEvents(p.query)) as typeof client.exec
    return client
  }
}

/** The raw insert of a chdb connection (its `.chdb` extension; not in @clickhouse/client's types). */
type RawInsert = (params: { table: string; columns: readonly string[]; values: Buffer; format: 'JSONCompactEachRow'; settings: Record<string, string> }) => Promise<unknown>

async function embeddedClient(dir: string): Promise<{ client: ClickHouseClient; rawInsert: RawInsert }> {
  // Imported lazily so a deployment with CLICKHOUSE_URL never loads the native engine.
  const { createChdbConnection } = await import('chdb/connection')
  const connection = createChdbConnection({ path: dir })
  const chdb = (connection as unknown as { chdb: { rawInsert: RawInsert } }).chdb
  return { client: createClient({ connection } as never), rawInsert: (p) => chdb.rawInsert(p) }
}

function serverClient(url: string): ClickHouseClient {
  // The client's own error log is off: every caller handles and logs its failures (a store
  // outage would otherwise print one stack per retried insert).
  return createClient({ url, request_timeout: 60_000, log: { level: ClickHouseLogLevel.OFF } })
}

export async function createStore(opts: StoreOptions): Promise<Store> {
  const tracker = opts.clickhouseUrl ? undefined : new WriteTracker()
  let make: () => Promise<ClickHouseClient>
  let writer: ClickHouseClient
  let insertLines: Store['insertLines']
  if (opts.clickhouseUrl) {
    const url = opts.clickhouseUrl
    make = async () => serverClient(url)
    const w = (writer = await make())
    insertLines = async (table, columns, lines, token) => {
      const rs = await w.exec({ query: insertStatement(table, columns, token), values: Readable.from(lines, { objectMode: false }) })
      rs.stream.resume()
    }
  } else {
    const dir = path.join(opts.dataDir, 'clickhouse')
    fs.mkdirSync(dir, { recursive: true })
    make = async () => tracker!.wrap((await embeddedClient(dir)).client)
    // The raw inserts go through the writer's own connection, like its other writes.
    const w = await embeddedClient(dir)
    writer = tracker!.wrap(w.client)
    insertLines = tracker!.track(
      async (table: string, columns: readonly string[], lines: readonly Buffer[], token: string) => {
        checkInsert(table, columns, token)
        try {
          await w.rawInsert({ table, columns, values: lines.length === 1 ? lines[0]! : Buffer.concat(lines), format: 'JSONCompactEachRow', settings: { insert_deduplication_token: token } })
        } catch (e) {
          // The same typed error (code, type) a server's answer gives.
          throw parseError(e instanceof Error && e.message ? e.message : String(e))
        }
      },
      (table) => isEventsTable(table),
    )
  }
  const [reader, admin, reports, rollups] = [await make(), await make(), await make(), await make()]
  // With a ClickHouse server, the console may use a user of its own (read-only grants, see docker-compose.yml).
  const analyst = opts.clickhouseAnalystUrl ? serverClient(opts.clickhouseAnalystUrl) : await make()
  return {
    writer,
    reader,
    admin,
    reports,
    rollups,
    analyst,
    engine: opts.clickhouseUrl ? 'server' : 'embedded',
    insertLines,
    settledBefore: tracker && (() => tracker.settledBefore()),
    async close() {
      await Promise.allSettled([writer.close(), reader.close(), admin.close(), reports.close(), rollups.close(), analyst.close()])
    },
  }
}
