/**
 * The store factory: one `@clickhouse/client` API over two engines (DESIGN §2).
 * Embedded chdb by default (data in `dataDir`), a ClickHouse server when `clickhouseUrl` is set.
 * The same SQL runs on both; nothing else in the code knows which engine it talks to.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'

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
  close(): Promise<void>
}

async function embeddedClient(dir: string): Promise<ClickHouseClient> {
  // Imported lazily so a deployment with CLICKHOUSE_URL never loads the native engine.
  const { createChdbConnection } = await import('chdb/connection')
  return createClient({ connection: createChdbConnection({ path: dir }) } as never)
}

function serverClient(url: string): ClickHouseClient {
  // The client's own error log is off: every caller handles and logs its failures (a store
  // outage would otherwise print one stack per retried insert).
  return createClient({ url, request_timeout: 60_000, log: { level: ClickHouseLogLevel.OFF } })
}

export async function createStore(opts: StoreOptions): Promise<Store> {
  let make: () => Promise<ClickHouseClient>
  if (opts.clickhouseUrl) {
    const url = opts.clickhouseUrl
    make = async () => serverClient(url)
  } else {
    const dir = path.join(opts.dataDir, 'clickhouse')
    fs.mkdirSync(dir, { recursive: true })
    make = () => embeddedClient(dir)
  }
  const [writer, reader, admin, reports, rollups] = [await make(), await make(), await make(), await make(), await make()]
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
    async close() {
      await Promise.allSettled([writer.close(), reader.close(), admin.close(), reports.close(), rollups.close(), analyst.close()])
    },
  }
}
