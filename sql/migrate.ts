/**
 * Forward-only migrator: applies `sql/migrations/NNN_name.sql` in order and records each in
 * `schema_migrations`. A recorded file whose text changed is an error — write a new migration.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations')

export interface Migration {
  version: number
  name: string
  sql: string
  checksum: string
}

const FILE_RE = /^(\d{3})_([a-z0-9_]+)\.sql$/

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sql')).sort()
  const out: Migration[] = []
  for (const file of files) {
    const m = FILE_RE.exec(file)
    if (!m) throw new Error(`migration file name "${file}" must look like 001_what_it_does.sql`)
    const sql = fs.readFileSync(path.join(dir, file), 'utf8')
    const version = Number(m[1])
    if (out.some((x) => x.version === version)) throw new Error(`two migrations have version ${version}`)
    out.push({ version, name: m[2]!, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') })
  }
  return out
}

/** Splits a migration into statements: on `;` at the end of a line, outside `--` comments. */
export function splitStatements(sql: string): string[] {
  const noComments = sql
    .split('\n')
    .map((line) => (line.trimStart().startsWith('--') ? '' : line))
    .join('\n')
  return noComments
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations
(
    version    UInt32 COMMENT 'Migration number',
    name       String COMMENT 'Migration file name without number and extension',
    checksum   String COMMENT 'SHA-256 of the file as applied',
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3) COMMENT 'When it was applied'
)
ENGINE = MergeTree ORDER BY version
COMMENT 'Applied schema migrations (sql/migrations)'`

/** The ledger lives on a cluster (sql/cluster/schema.sql makes it Replicated). */
async function replicatedLedger(client: ClickHouseClient): Promise<boolean> {
  const rs = await client.query({ query: "SELECT engine FROM system.tables WHERE database = currentDatabase() AND name = 'schema_migrations'", format: 'JSONEachRow' })
  return (await rs.json<{ engine: string }>()).some((r) => r.engine.startsWith('Replicated'))
}

/** Applies every pending migration; returns the versions it applied. */
export async function migrate(client: ClickHouseClient, migrations = readMigrations()): Promise<number[]> {
  await client.command({ query: LEDGER })
  const rs = await client.query({ query: 'SELECT version, checksum FROM schema_migrations ORDER BY version', format: 'JSONEachRow' })
  const applied = new Map((await rs.json<{ version: number; checksum: string }>()).map((r) => [Number(r.version), r.checksum]))
  const pending = migrations.filter((m) => !applied.has(m.version))
  if (pending.length > 0 && (await replicatedLedger(client))) {
    // A cluster's schema is sql/cluster/schema.sql (ReplicatedMergeTree behind Distributed): this
    // migration's plain DDL would create single-node tables there.
    throw new Error(
      `the store is a ClickHouse cluster (schema_migrations is replicated) and lacks migration${pending.length > 1 ? 's' : ''} ${pending.map((m) => `${m.version}_${m.name}`).join(', ')}: apply them from a fresh \`npm run sql:cluster\` render (see sql/cluster/README.md), then start again`,
    )
  }
  const done: number[] = []
  for (const m of migrations) {
    const seen = applied.get(m.version)
    if (seen !== undefined) {
      if (seen !== m.checksum) {
        throw new Error(`migration ${m.version}_${m.name} changed after it was applied; add a new migration instead`)
      }
      continue
    }
    for (const statement of splitStatements(m.sql)) {
      await client.command({ query: statement })
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    })
    done.push(m.version)
  }
  return done
}
