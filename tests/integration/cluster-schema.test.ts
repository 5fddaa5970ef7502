/**
 * sql/cluster/schema.sql, the cluster variant of the schema, cannot go stale or wrong unnoticed:
 * it is what the migrations render to now, every statement parses with the real engine, event
 * and rollup tables come as a Replicated `_local` table under a Distributed one, materialized
 * views live on the local tables, and every table the migrations create is classified.
 * ReplicatedMergeTree needs Keeper and Distributed a cluster, neither of which the embedded
 * engine has; so the last test swaps those two engines for local stand-ins (plain MergeTree,
 * Merge) and checks that what remains builds the migrations' tables, keys and views, and that
 * the materialized views fire on the local tables. The checks read schema.sql with their own
 * regular expressions, not with the renderer's code.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLASSIFICATION, SCHEMA_PATH, planCluster, readSchema, renderClusterSchema } from '../../sql/cluster/render.ts'
import { migrate, splitStatements } from '../../sql/migrate.ts'
import { createStore, type Store } from '../../sql/store.ts'

let store: Store
let dir: string
let committed: string
let statements: string[]

interface TableRow {
  name: string
  engine: string
  engine_full: string
  sorting_key: string
  comment: string
}
/** The migrations' own tables and views, as the embedded store has them. */
let migrated: TableRow[]

async function rows<T>(query: string, query_params?: Record<string, unknown>): Promise<T[]> {
  return (await store.admin.query({ query, query_params, format: 'JSONEachRow' })).json<T>()
}

const CREATE = /^CREATE (TABLE|MATERIALIZED VIEW|VIEW) (\w+) ON CLUSTER '\{cluster\}'/

function statementOf(name: string): string {
  const found = statements.filter((s) => CREATE.exec(s)?.[2] === name)
  expect(found, `one CREATE for ${name} in schema.sql`).toHaveLength(1)
  return found[0]!
}

const position = (name: string): number => statements.indexOf(statementOf(name))

/** The FROM/JOIN table names of a SELECT (enough for the views the migrations have). */
const tablesRead = (sql: string): string[] => [...sql.matchAll(/\b(?:FROM|(?<!ARRAY )JOIN)\s+(\w+)/g)].map((m) => m[1]!).filter((n) => n !== 'SELECT')

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-cluster-schema-'))
  store = await createStore({ dataDir: dir })
  await migrate(store.admin)
  committed = fs.readFileSync(SCHEMA_PATH, 'utf8')
  statements = splitStatements(committed)
  migrated = await rows<TableRow>('SELECT name, engine, engine_full, sorting_key, comment FROM system.tables WHERE database = currentDatabase() ORDER BY name')
})
afterAll(async () => {
  await store?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('the cluster schema (sql/cluster/schema.sql)', () => {
  it('is what the migrations render to now (run `npm run sql:cluster` when this fails)', async () => {
    expect(committed).toBe(await renderClusterSchema(store.admin))
  })

  it('classifies every table and view the migrations create, and nothing else', () => {
    expect(CLASSIFICATION.map((c) => c.name).sort()).toEqual(migrated.map((t) => t.name).sort())
  })

  it('refuses to render when a migration adds a table it does not classify', async () => {
    await store.admin.command({ query: 'CREATE TABLE zz_new_rollup (unit String) ENGINE = AggregatingMergeTree ORDER BY unit' })
    try {
      await expect(renderClusterSchema(store.admin)).rejects.toThrow(/not classified for the cluster schema: zz_new_rollup\b/)
    } finally {
      await store.admin.command({ query: 'DROP TABLE zz_new_rollup' })
    }
  })

  it('refuses a classification the migrations contradict', async () => {
    const schema = await readSchema(store.admin)
    const without = { ...schema, objects: schema.objects.filter((o) => o.name !== 'visit_weeks') }
    expect(() => planCluster(without)).toThrow(/lists what the migrations do not create: visit_weeks/)
    const asView = { ...schema, objects: schema.objects.map((o) => (o.name === 'report_state' ? { ...o, engine: 'View' } : o)) }
    expect(() => planCluster(asView)).toThrow(/report_state is classified as sharded but its engine is View/)
  })

  it('parses, statement by statement, with the real engine', async () => {
    expect(statements.length).toBeGreaterThan(migrated.length)
    const parse = async (q: string): Promise<string> => (await rows<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q }))[0]!.f
    for (const s of statements) {
      await expect(parse(s), s.slice(0, 80)).resolves.toMatch(/^(CREATE|INSERT)/)
    }
    // The check can fail: the engine refuses a statement with a parenthesis missing.
    await expect(parse(statements[0]!.replace(/\)\s*ENGINE/, ' ENGINE'))).rejects.toThrow(/Syntax error/)
  })

  it('creates every object on the cluster and nothing else, plus the migration ledger', () => {
    const heads = statements.map((s) => CREATE.exec(s))
    const others = statements.filter((_, i) => !heads[i])
    expect(others).toHaveLength(1)
    expect(others[0]).toMatch(/^INSERT INTO schema_migrations \(version, name, checksum\) VALUES/)
    expect(statements.at(-1)).toBe(others[0])
    expect(committed).not.toMatch(/^[^-\n].*non_replicated_deduplication_window/m)
  })

  it('gives every event and rollup table a Replicated T_local per shard under a Distributed T', async () => {
    // The tables that hold events or rollups are the report_*, visit_* and trends_* ones.
    const sharded = migrated.filter((t) => /MergeTree$/.test(t.engine) && /^(report|visit|trends)_/.test(t.name))
    expect(sharded.map((t) => t.name)).toEqual(
      expect.arrayContaining(['report_events', 'report_state', 'visit_events', 'trends_contrib', 'trends_monthly', 'trends_hourly', 'trends_daily', 'visit_week_sets', 'visit_weeks']),
    )
    const withReportId = new Set(
      (await rows<{ table: string }>("SELECT table FROM system.columns WHERE database = currentDatabase() AND name = 'report_id'")).map((r) => r.table),
    )
    for (const t of sharded) {
      const args = /^\w+\(([^)]*)\)/.exec(t.engine_full)?.[1]
      const local = statementOf(`${t.name}_local`)
      expect(local).toContain(
        `ENGINE = Replicated${t.engine}('/clickhouse/tables/{shard}/{database}/${t.name}_local', '{replica}'${args ? `, ${args}` : ''})\n`,
      )
      const dist = statementOf(t.name)
      const engine = new RegExp(`\\nENGINE = Distributed\\('\\{cluster\\}', currentDatabase\\(\\), ${t.name}_local, (.+)\\)\\n`).exec(dist)
      expect(engine, `${t.name} is Distributed over ${t.name}_local`).not.toBeNull()
      const key = engine![1]!
      // A report's events, state and contributions must share a shard (FINAL, per-report folds).
      if (withReportId.has(t.name)) expect(key, t.name).toBe('cityHash64(report_id)')
      // Otherwise rows that merge (equal sorting key) must share a shard: the key reads sorting-key columns only.
      else {
        const read = [...key.matchAll(/\b([a-z_]\w*)\b(?!\s*\()/g)].map((m) => m[1]!)
        expect(read.length, `${t.name}'s key ${key} reads a column`).toBeGreaterThan(0)
        for (const c of read) expect(t.sorting_key.split(', '), `${t.name}'s key ${key}`).toContain(c)
      }
      expect(position(`${t.name}_local`)).toBeLessThan(position(t.name))
    }
  })

  it('replicates every other table whole to every node, with no Distributed table', () => {
    const everywhere = migrated.filter((t) => /MergeTree$/.test(t.engine) && !/^(report|visit|trends)_/.test(t.name))
    expect(everywhere.map((t) => t.name)).toEqual(expect.arrayContaining(['places', 'users', 'api_keys', 'schema_migrations', 'rollup_state']))
    for (const t of everywhere) {
      const args = /^\w+\(([^)]*)\)/.exec(t.engine_full)?.[1]
      expect(statementOf(t.name)).toContain(`ENGINE = Replicated${t.engine}('/clickhouse/tables/all/{database}/${t.name}', '{replica}'${args ? `, ${args}` : ''})\n`)
      expect(statements.some((s) => CREATE.exec(s)?.[2] === `${t.name}_local`), `${t.name}_local`).toBe(false)
    }
  })

  it('puts every materialized view on _local tables, after them; plain views read the Distributed names', () => {
    const mvs = migrated.filter((t) => t.engine === 'MaterializedView')
    expect(mvs.length).toBeGreaterThan(0)
    for (const mv of mvs) {
      const s = statementOf(mv.name)
      const to = new RegExp(`^CREATE MATERIALIZED VIEW ${mv.name} ON CLUSTER '\\{cluster\\}' TO (\\w+)\\n`).exec(s)?.[1]
      expect(to, `${mv.name} writes a _local table`).toMatch(/^\w+_local$/)
      const read = tablesRead(s)
      expect(read.length, `${mv.name} reads a table`).toBeGreaterThan(0)
      for (const r of [to!, ...read]) {
        expect(r, `${mv.name} reads ${r}`).toMatch(/_local$/)
        expect(position(r)).toBeLessThan(position(mv.name))
      }
    }
    const views = migrated.filter((t) => t.engine === 'View')
    expect(views.length).toBeGreaterThan(0)
    for (const v of views) {
      const read = tablesRead(statementOf(v.name))
      expect(read.length).toBeGreaterThan(0)
      for (const r of read) {
        expect(r).not.toMatch(/_local$/)
        expect(position(r)).toBeLessThan(position(v.name))
      }
    }
  })

  it('builds the migrations\' tables, keys and views when Replicated and Distributed are swapped for local stand-ins', async () => {
    const DB = 'cluster_check'
    const names = new Set(statements.map((s) => CREATE.exec(s)?.[2]).filter((n): n is string => !!n))
    names.add('schema_migrations')
    const keys = new Map<string, string>()
    // Names are qualified outside string literals and backquoted identifiers only (comments name tables too).
    const qualify = (sql: string): string =>
      sql
        .split(/('(?:[^'\\]|\\.)*'|`[^`]*`)/)
        .map((part, i) => (i % 2 === 1 ? part : part.replace(/(?<![.\w])([A-Za-z_]\w*)\b/g, (w) => (names.has(w) ? `${DB}.${w}` : w))))
        .join('')
    const standIn = (s: string): string => {
      let out = s.replace(/ ON CLUSTER '\{cluster\}'/, '')
      out = out.replace(/ENGINE = Replicated(\w*MergeTree)\('[^']*', '\{replica\}'(?:, )?/, 'ENGINE = $1(')
      out = out.replace(/ENGINE = Distributed\('\{cluster\}', currentDatabase\(\), (\w+), (.+)\)\n/, (_, local: string, key: string) => {
        keys.set(local, key)
        return `ENGINE = Merge('${DB}', '^${local}$')\n`
      })
      return qualify(out)
    }
    await store.admin.command({ query: `DROP DATABASE IF EXISTS ${DB}` })
    await store.admin.command({ query: `CREATE DATABASE ${DB}` })
    try {
      // In file order: a statement before what it needs fails here.
      for (const s of statements) await store.admin.command({ query: standIn(s) })

      const columns = (db: string, table: string) =>
        rows('SELECT name, type, default_kind, default_expression, comment FROM system.columns WHERE database = {db:String} AND table = {table:String} ORDER BY position', {
          db,
          table,
        })
      const tableRow = async (db: string, table: string) =>
        (await rows<TableRow & { partition_key: string; primary_key: string }>(
          'SELECT name, engine, engine_full, comment, sorting_key, partition_key, primary_key FROM system.tables WHERE database = {db:String} AND name = {table:String}',
          { db, table },
        ))[0]
      const home = (await rows<{ db: string }>('SELECT currentDatabase() AS db'))[0]!.db
      const indices = (db: string, table: string) =>
        rows('SELECT name, type, expr, granularity FROM system.data_skipping_indices WHERE database = {db:String} AND table = {table:String} ORDER BY name', { db, table })

      for (const t of migrated) {
        // What GridPulse reads and inserts: the same columns, defaults and comments under the same name.
        expect(await columns(DB, t.name), t.name).toEqual(await columns(home, t.name))
        expect((await tableRow(DB, t.name))?.comment, t.name).toBe(t.comment)
        if (!/MergeTree$/.test(t.engine)) continue
        // Where the rows live: the same engine, keys, TTL and settings but the non-replicated window.
        const where = names.has(`${t.name}_local`) ? `${t.name}_local` : t.name
        const mine = (await tableRow(DB, where))!
        const theirs = (await tableRow(home, t.name))!
        expect(mine.engine_full.replace(/^(\w+)\(\)/, '$1'), t.name).toBe(theirs.engine_full.replace(/, non_replicated_deduplication_window = \d+/, ''))
        expect([mine.sorting_key, mine.partition_key, mine.primary_key, mine.comment]).toEqual([theirs.sorting_key, theirs.partition_key, theirs.primary_key, theirs.comment])
        expect(await indices(DB, where), t.name).toEqual(await indices(home, t.name))
        expect(await columns(DB, where), t.name).toEqual(await columns(home, t.name))
      }
      // Every sharding key is an expression over its table's columns.
      expect([...keys.keys()].sort()).toEqual(migrated.filter((t) => names.has(`${t.name}_local`)).map((t) => `${t.name}_local`).sort())
      for (const [local, key] of keys) await expect(rows(`SELECT ${key} AS k FROM ${DB}.${local} LIMIT 0`), local).resolves.toEqual([])

      // The ledger makes GridPulse's migrator find every migration applied, unchanged.
      const ledger = 'SELECT version, name, checksum FROM {db:Identifier}.schema_migrations ORDER BY version'
      expect(await rows(ledger, { db: DB })).toEqual(await rows(ledger, { db: home }))

      // The materialized views fire on inserts into the local tables and fill the local targets.
      await store.admin.command({
        query: `INSERT INTO ${DB}.report_events_local (event_id, report_id, type, at, received_at, micro_grid, grid, community, street, district, category)
          VALUES ('e1', 'r1', 'reported', '2025-03-01 02:00:00', '2025-03-01 02:00:01', 'd.s.c.g01.m01', 'd.s.c.g01', 'd.s.c', 'd.s', 'd', 'sanitation'),
                 ('e2', 'r1', 'resolved', '2025-03-01 03:30:00', '2025-03-01 03:30:01', 'd.s.c.g01.m01', 'd.s.c.g01', 'd.s.c', 'd.s', 'd', '')`,
      })
      expect(await rows(`SELECT report_id, category, toString(reported_at) AS reported, toString(resolved_at) AS resolved, is_open FROM ${DB}.report_current`)).toEqual([
        { report_id: 'r1', category: 'sanitation', reported: '2025-03-01 02:00:00.000', resolved: '2025-03-01 03:30:00.000', is_open: 1 },
      ])
      // The hourly view keeps the last 400 days only: a step in the current hour.
      await store.admin.command({
        query: `INSERT INTO ${DB}.trends_contrib_local (report_id, version, sign, district, street, community, grid, category, mobile, steps)
          SELECT 'r1', 1, 1, 'd', 'd.s', 'd.s.c', 'd.s.c.g01', 'sanitation', 0, [('reported', toStartOfMonth(today()), toStartOfHour(now()), toUInt16(0), toUInt8(0))]`,
      })
      expect(await rows(`SELECT level, unit, toInt32(sum(reported)) AS n FROM ${DB}.trends_monthly GROUP BY level, unit ORDER BY level`)).toEqual([
        { level: 'community', unit: 'd.s.c', n: 1 },
        { level: 'district', unit: 'd', n: 1 },
        { level: 'grid', unit: 'd.s.c.g01', n: 1 },
        { level: 'street', unit: 'd.s', n: 1 },
      ])
      expect(await rows(`SELECT toInt32(sum(reported)) AS n FROM ${DB}.trends_hourly_local WHERE level = 'grid'`)).toEqual([{ n: 1 }])
    } finally {
      await store.admin.command({ query: `DROP DATABASE IF EXISTS ${DB}` })
    }
  })
})
