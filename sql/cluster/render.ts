/**
 * Renders sql/cluster/schema.sql, the schema for a ClickHouse cluster (ReplicatedMergeTree +
 * Distributed), from the real migrations: it applies them to a throw-away embedded store, reads
 * back the final DDL of every table and view, and rewrites that. Hand-keeping a second schema
 * would drift from the migrations; this one is derived, and the test
 * (tests/integration/cluster-schema.test.ts) fails when the committed file is not what a fresh
 * render gives. `npm run sql:cluster` writes it. What the cluster variant is: README.md here.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ClickHouseClient } from '@clickhouse/client'
import { migrate, splitStatements } from '../migrate.ts'
import { createStore } from '../store.ts'

export const SCHEMA_PATH = path.join(path.dirname(fileURLToPath(import.meta.url)), 'schema.sql')

/** How a table of the migrations exists on the cluster. */
export type Placement =
  /** Split across shards: `T_local` (Replicated, per shard) + `T` (Distributed over them by `key`). */
  | { kind: 'sharded'; key: string; why: string }
  /** Small, needed whole by every node: one Replicated table, one copy per node. */
  | { kind: 'everywhere' }
  /** On every node, reading from and writing to the `_local` tables of its shard. */
  | { kind: 'materialized view' }
  /** On every node, over the Distributed names, as in the migrations. */
  | { kind: 'view' }

export interface Classified {
  name: string
  placement: Placement
}

const REPORT_KEY = 'cityHash64(report_id)'
const REPORT_WHY =
  "a report's events, state and contributions land on one shard, so FINAL, report_state's merge and the rollup maintainer's per-report folds each see the whole report there"

/**
 * Every table and view the migrations create, decided one by one. A name missing here stops the
 * renderer: a migration that adds a table must say where it lives on a cluster. The order is the
 * order of schema.sql within each kind (views after the views they read).
 */
export const CLASSIFICATION: readonly Classified[] = [
  { name: 'schema_migrations', placement: { kind: 'everywhere' } },
  { name: 'places', placement: { kind: 'everywhere' } },
  { name: 'place_boundaries', placement: { kind: 'everywhere' } },
  { name: 'users', placement: { kind: 'everywhere' } },
  { name: 'sessions', placement: { kind: 'everywhere' } },
  { name: 'api_keys', placement: { kind: 'everywhere' } },
  { name: 'sla_settings', placement: { kind: 'everywhere' } },
  { name: 'audit_log', placement: { kind: 'everywhere' } },
  { name: 'rollup_state', placement: { kind: 'everywhere' } },
  { name: 'sql_query_log', placement: { kind: 'everywhere' } },
  { name: 'saved_queries', placement: { kind: 'everywhere' } },

  {
    name: 'report_events',
    placement: {
      kind: 'sharded',
      key: REPORT_KEY,
      why:
        REPORT_WHY +
        '. A resend repeats its report_id, so it meets the row it repeats and FINAL collapses it; an event id reused for another report (which ingest refuses by content hash) would stay a row of its own here, where one server would collapse it with the first',
    },
  },
  {
    name: 'report_state',
    placement: { kind: 'sharded', key: REPORT_KEY, why: REPORT_WHY + ". report_state_mv writes a shard's events into that shard's report_state_local, under the same key" },
  },
  { name: 'trends_contrib', placement: { kind: 'sharded', key: REPORT_KEY, why: REPORT_WHY + '; a cancelling row (-1) meets the row it cancels, so CollapsingMergeTree can drop the pair' } },
  {
    name: 'visit_events',
    placement: {
      kind: 'sharded',
      key: 'cityHash64(event_id)',
      why:
        'FINAL collapses rows with equal (street, at, event_id); a key computed from that ORDER BY key alone puts any two such rows on one shard, whatever else they carry. ' +
        'Visits of one household may sit on several shards: the queries that group by household (live_visits, live_visits_due) aggregate through Distributed, which merges the shards',
    },
  },
  {
    name: 'trends_monthly',
    placement: {
      kind: 'sharded',
      key: 'cityHash64(level, parent, month, unit)',
      why:
        'rows are partial sums, read with sum()/sumMap() and GROUP BY across shards. trends_monthly_mv writes each shard its own contributions\' sums; the key only routes a direct insert through the Distributed table (none today) so one unit-month merges on one shard',
    },
  },
  {
    name: 'trends_hourly',
    placement: { kind: 'sharded', key: 'cityHash64(level, parent, hour, unit)', why: 'as trends_monthly, per hour' },
  },
  {
    name: 'trends_daily',
    placement: { kind: 'sharded', key: 'cityHash64(level, parent, day, unit)', why: 'as trends_monthly, per UTC day' },
  },
  {
    name: 'visit_week_sets',
    placement: {
      kind: 'sharded',
      key: 'cityHash64(level, parent, week, unit)',
      why:
        "the maintainer inserts through the Distributed table, so all of a unit-week's set states meet on one shard and merge into one row (a union of sets is right on any shard; this keeps it one row); the same key as visit_weeks",
    },
  },
  {
    name: 'visit_weeks',
    placement: {
      kind: 'sharded',
      key: 'cityHash64(level, parent, week, unit)',
      why: 'ReplacingMergeTree read with FINAL (the latest count wins): every version of a unit-week must be on one shard, so the key is its ORDER BY key',
    },
  },

  { name: 'report_state_mv', placement: { kind: 'materialized view' } },
  { name: 'trends_monthly_mv', placement: { kind: 'materialized view' } },
  { name: 'trends_hourly_mv', placement: { kind: 'materialized view' } },
  { name: 'trends_daily_mv', placement: { kind: 'materialized view' } },

  { name: 'report_current', placement: { kind: 'view' } },
  { name: 'live_report_state', placement: { kind: 'view' } },
]

/** A table or view as the engine reports it after the migrations. */
export interface SourceObject {
  name: string
  engine: string
  engine_full: string
  create_table_query: string
  /** The materialized views that fire on inserts into this table. */
  dependencies_table: string[]
}

export interface LedgerRow {
  version: number
  name: string
  checksum: string
}

export interface SourceSchema {
  database: string
  objects: SourceObject[]
  ledger: LedgerRow[]
}

export interface ClusterStatement {
  /** The object it creates (for the ledger: schema_migrations). */
  name: string
  kind: 'local' | 'distributed' | 'everywhere' | 'materialized view' | 'view' | 'ledger'
  /** One line, without ON CLUSTER (spliced in after formatting). */
  sql: string
  /** Comment lines printed above it in schema.sql. */
  note: string[]
}

// ---------------------------------------------------------------------------------------------
// A small lexer: enough to find parentheses, top-level commas and db-qualified names in DDL the
// engine printed itself, without ever touching the inside of a string literal (column comments
// name tables too).

interface Tok {
  kind: 'ws' | 'str' | 'qident' | 'word' | 'punct'
  text: string
}

function lex(sql: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  const quoted = (q: string): number => {
    let j = i + 1
    while (j < sql.length) {
      const c = sql[j]!
      if (c === '\\') j += 2
      else if (c === q && sql[j + 1] === q) j += 2
      else if (c === q) return j + 1
      else j++
    }
    throw new Error(`unterminated ${q} at ${i} in: ${sql.slice(0, 120)}`)
  }
  while (i < sql.length) {
    const c = sql[i]!
    let end: number
    let kind: Tok['kind']
    if (/\s/.test(c)) {
      end = i + 1
      while (end < sql.length && /\s/.test(sql[end]!)) end++
      kind = 'ws'
    } else if (c === "'") {
      end = quoted("'")
      kind = 'str'
    } else if (c === '`' || c === '"') {
      end = quoted(c)
      kind = 'qident'
    } else if (/[A-Za-z0-9_]/.test(c)) {
      end = i + 1
      while (end < sql.length && /[A-Za-z0-9_]/.test(sql[end]!)) end++
      kind = 'word'
    } else if (c === '-' && sql[i + 1] === '-') {
      throw new Error(`unexpected comment in stored DDL: ${sql.slice(0, 120)}`)
    } else {
      end = i + 1
      kind = 'punct'
    }
    out.push({ kind, text: sql.slice(i, end) })
    i = end
  }
  return out
}

const text = (toks: readonly Tok[]): string => toks.map((t) => t.text).join('').trim()

function identName(t: Tok | undefined): string | undefined {
  if (!t) return undefined
  if (t.kind === 'word') return t.text
  if (t.kind === 'qident') return t.text.slice(1, -1).replace(/``/g, '`')
  return undefined
}

/** Index of the token after the `)` that closes the `(` at `open`. */
function closeParen(toks: readonly Tok[], open: number): number {
  let depth = 0
  for (let i = open; i < toks.length; i++) {
    const t = toks[i]!
    if (t.kind !== 'punct') continue
    if (t.text === '(' || t.text === '[') depth++
    else if (t.text === ')' || t.text === ']') {
      depth--
      if (depth === 0) return i + 1
    }
  }
  throw new Error(`unbalanced parentheses in: ${text(toks).slice(0, 120)}`)
}

function splitTopLevel(toks: readonly Tok[]): Tok[][] {
  const parts: Tok[][] = [[]]
  let depth = 0
  for (const t of toks) {
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) depth++
    if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) depth--
    if (depth === 0 && t.kind === 'punct' && t.text === ',') parts.push([])
    else parts[parts.length - 1]!.push(t)
  }
  return parts.filter((p) => text(p) !== '')
}

/** Walks the non-space tokens, checking the words a statement must start with. */
class Cursor {
  i = 0
  constructor(
    readonly toks: Tok[],
    readonly what: string,
  ) {}
  skipWs(): void {
    while (this.toks[this.i]?.kind === 'ws') this.i++
  }
  peek(): Tok | undefined {
    this.skipWs()
    return this.toks[this.i]
  }
  next(): Tok {
    const t = this.peek()
    if (!t) throw new Error(`${this.what}: unexpected end of DDL`)
    this.i++
    return t
  }
  expect(...words: string[]): void {
    for (const w of words) {
      const t = this.next()
      if (t.text !== w) throw new Error(`${this.what}: expected ${w}, found ${t.text} in ${text(this.toks).slice(0, 160)}`)
    }
  }
  /** `db.name` as stored: returns name, insisting on the migrated database. */
  qualifiedName(db: string): string {
    const a = identName(this.next())
    this.expect('.')
    const b = identName(this.next())
    if (a !== db || !b) throw new Error(`${this.what}: expected ${db}.<name> in ${text(this.toks).slice(0, 160)}`)
    return b
  }
  rest(): Tok[] {
    return this.toks.slice(this.i)
  }
}

/**
 * Rewrites every `db.name` outside string literals with `rename(name)` (unqualified), and returns
 * the names it met. Stored queries always qualify their tables, so this finds them all.
 */
function renameRefs(toks: readonly Tok[], db: string, rename: (name: string) => string): { toks: Tok[]; refs: Set<string> } {
  const out: Tok[] = []
  const refs = new Set<string>()
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!
    const dot = toks[i + 1]
    const name = identName(toks[i + 2])
    if (identName(t) === db && dot?.kind === 'punct' && dot.text === '.' && name !== undefined) {
      refs.add(name)
      out.push({ kind: 'word', text: rename(name) })
      i += 2
    } else {
      out.push(t)
    }
  }
  return { toks: out, refs }
}

// ---------------------------------------------------------------------------------------------

interface ParsedTable {
  name: string
  /** Columns, then indices/projections/constraints, as stored. */
  elements: { sql: string; column: boolean }[]
  engine: string
  /** Engine arguments, without parentheses; '' when none. */
  args: string
  /** PARTITION BY / ORDER BY / PRIMARY KEY / SAMPLE BY / TTL, as stored. */
  clauses: string
  settings: string[]
  /** `COMMENT '…'` or ''. */
  comment: string
}

const MERGE_TREE = /^(Replacing|Aggregating|Collapsing|VersionedCollapsing|Summing|Graphite|Coalescing)?MergeTree$/

function parseTable(o: SourceObject, db: string): ParsedTable {
  const what = `table ${o.name}`
  if (!MERGE_TREE.test(o.engine)) throw new Error(`${what}: engine ${o.engine} is not a non-replicated MergeTree; the renderer does not know how to replicate it`)
  const c = new Cursor(lex(o.create_table_query), what)
  c.expect('CREATE', 'TABLE')
  if (c.qualifiedName(db) !== o.name) throw new Error(`${what}: DDL names another table`)
  const open = c.peek()
  if (open?.text !== '(') throw new Error(`${what}: expected a column list`)
  const close = closeParen(c.toks, c.i)
  const elements = splitTopLevel(c.toks.slice(c.i + 1, close - 1)).map((p) => {
    const first = p.find((t) => t.kind !== 'ws')!
    // Stored DDL backquotes column names, so a bare INDEX/PROJECTION/CONSTRAINT is never a column.
    return { sql: text(p), column: !(first.kind === 'word' && /^(INDEX|PROJECTION|CONSTRAINT)$/.test(first.text)) }
  })
  const after = text(c.toks.slice(close))
  const enginePart = `ENGINE = ${o.engine_full}`
  if (!after.startsWith(enginePart)) throw new Error(`${what}: its DDL does not end in ENGINE = <engine_full> as system.tables reports it`)
  const comment = after.slice(enginePart.length).trim()
  if (comment !== '' && !/^COMMENT '/.test(comment)) throw new Error(`${what}: unexpected text after the engine: ${comment.slice(0, 80)}`)

  const e = lex(o.engine_full)
  const ec = new Cursor(e, what)
  if (ec.next().text !== o.engine) throw new Error(`${what}: engine_full does not start with ${o.engine}`)
  let args = ''
  if (ec.peek()?.text === '(') {
    const end = closeParen(e, ec.i)
    args = text(e.slice(ec.i + 1, end - 1))
    ec.i = end
  }
  const rest = ec.rest()
  let depth = 0
  let at = rest.length
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i]!
    if (t.kind === 'punct' && t.text === '(') depth++
    if (t.kind === 'punct' && t.text === ')') depth--
    if (depth === 0 && t.kind === 'word' && t.text === 'SETTINGS') {
      at = i
      break
    }
  }
  const settings = splitTopLevel(rest.slice(at + 1)).map(text)
  return { name: o.name, elements, engine: o.engine, args, clauses: text(rest.slice(0, at)), settings, comment }
}

/**
 * A replicated table deduplicates repeated insert blocks by replicated_deduplication_window (on
 * by default) and ignores the non-replicated window: kept, it would only suggest otherwise.
 */
const DROPPED_SETTINGS = new Set(['non_replicated_deduplication_window'])

const settingName = (s: string): string => s.split('=')[0]!.trim()

function droppedNote(t: ParsedTable): string[] {
  const dropped = t.settings.map(settingName).filter((n) => DROPPED_SETTINGS.has(n))
  return dropped.length
    ? [`${t.name}: without ${dropped.join(', ')}: a replicated table deduplicates repeated insert blocks by replicated_deduplication_window, on by default.`]
    : []
}

function replicatedTable(t: ParsedTable, name: string, zkPath: string): string {
  const args = [`'${zkPath}'`, "'{replica}'", ...(t.args ? [t.args] : [])].join(', ')
  const settings = t.settings.filter((s) => !DROPPED_SETTINGS.has(settingName(s)))
  return [
    `CREATE TABLE ${name} (${t.elements.map((e) => e.sql).join(', ')})`,
    `ENGINE = Replicated${t.engine}(${args})`,
    t.clauses,
    settings.length ? `SETTINGS ${settings.join(', ')}` : '',
    t.comment,
  ]
    .filter((s) => s !== '')
    .join(' ')
}

function distributedTable(t: ParsedTable, key: string): string {
  // A Distributed table stores nothing: skip indices and the like; columns (with their defaults,
  // evaluated where the insert arrives, and comments, which analysts read) are the local table's.
  const cols = t.elements.filter((e) => e.column).map((e) => e.sql)
  return [`CREATE TABLE ${t.name} (${cols.join(', ')})`, `ENGINE = Distributed('{cluster}', currentDatabase(), ${t.name}_local, ${key})`, t.comment]
    .filter((s) => s !== '')
    .join(' ')
}

/** `CREATE [MATERIALIZED] VIEW db.name [TO db.target] [(columns)] AS <select>`. */
function parseView(o: SourceObject, db: string, materialized: boolean): { target?: string; select: Tok[] } {
  const what = `${materialized ? 'materialized view' : 'view'} ${o.name}`
  const c = new Cursor(lex(o.create_table_query), what)
  c.expect('CREATE', ...(materialized ? ['MATERIALIZED'] : []), 'VIEW')
  if (c.qualifiedName(db) !== o.name) throw new Error(`${what}: DDL names another view`)
  let target: string | undefined
  if (materialized) {
    if (c.peek()?.text !== 'TO') throw new Error(`${what}: only materialized views with TO <table> can be placed on a cluster; give it a TO table`)
    c.next()
    target = c.qualifiedName(db)
  }
  // The column list is what the engine inferred from the SELECT; left out, the cluster infers
  // its own from the same SELECT, as the migrations did.
  if (c.peek()?.text === '(') c.i = closeParen(c.toks, c.i)
  c.expect('AS')
  return { target, select: c.rest() }
}

function placementOf(name: string, by: Map<string, Placement>, context: string): Placement {
  const p = by.get(name)
  if (!p) throw new Error(`${context} refers to ${name}, which is not in CLASSIFICATION (sql/cluster/render.ts)`)
  return p
}

/** The cluster statements, in the order they must run. Pure: the test feeds it edited schemas. */
export function planCluster(schema: SourceSchema): ClusterStatement[] {
  const { database: db } = schema
  const objects = new Map(schema.objects.map((o) => [o.name, o]))
  const by = new Map(CLASSIFICATION.map((c) => [c.name, c.placement]))

  const unclassified = [...objects.keys()].filter((n) => !by.has(n)).sort()
  if (unclassified.length > 0) {
    throw new Error(
      `not classified for the cluster schema: ${unclassified.join(', ')}. A migration added ${unclassified.length === 1 ? 'it' : 'them'}: ` +
        'decide in CLASSIFICATION (sql/cluster/render.ts) whether each is sharded (with its key), everywhere, a materialized view or a view, then run npm run sql:cluster',
    )
  }
  const missing = CLASSIFICATION.map((c) => c.name).filter((n) => !objects.has(n))
  if (missing.length > 0) throw new Error(`CLASSIFICATION (sql/cluster/render.ts) lists what the migrations do not create: ${missing.join(', ')}`)

  const expectEngine = (o: SourceObject, p: Placement): void => {
    const ok = p.kind === 'view' ? o.engine === 'View' : p.kind === 'materialized view' ? o.engine === 'MaterializedView' : MERGE_TREE.test(o.engine)
    if (!ok) throw new Error(`${o.name} is classified as ${p.kind} but its engine is ${o.engine}`)
  }

  const everywhere: ClusterStatement[] = []
  const sharded: ClusterStatement[] = []
  const mvs: ClusterStatement[] = []
  const views: ClusterStatement[] = []
  const viewsDone = new Set<string>()

  for (const { name, placement: p } of CLASSIFICATION) {
    const o = objects.get(name)!
    expectEngine(o, p)
    if (p.kind === 'everywhere') {
      const t = parseTable(o, db)
      everywhere.push({ name, kind: 'everywhere', sql: replicatedTable(t, name, `/clickhouse/tables/all/{database}/${name}`), note: droppedNote(t) })
    } else if (p.kind === 'sharded') {
      const t = parseTable(o, db)
      const local = `${name}_local`
      sharded.push({
        name: local,
        kind: 'local',
        sql: replicatedTable(t, local, `/clickhouse/tables/{shard}/{database}/${local}`),
        note: [`${name}: sharded by ${p.key}: ${p.why}.`, ...droppedNote(t)],
      })
      sharded.push({ name, kind: 'distributed', sql: distributedTable(t, p.key), note: [] })
    } else if (p.kind === 'materialized view') {
      const v = parseView(o, db, true)
      const target = v.target!
      const targetPlacement = placementOf(target, by, `materialized view ${name}`)
      const local = (n: string): string => {
        const q = placementOf(n, by, `materialized view ${name}`)
        if (q.kind === 'sharded') return `${n}_local`
        if (q.kind === 'everywhere') return n
        throw new Error(`materialized view ${name} reads ${n}, a ${q.kind}: a view fires only on inserts into a table`)
      }
      const { toks, refs } = renameRefs(v.select, db, local)
      const sources = [...refs]
      const kinds = new Set([targetPlacement.kind, ...sources.map((s) => placementOf(s, by, name).kind)])
      if (kinds.size !== 1) {
        // A view on one shard's insert writing into a table every node holds (or the other way
        // round) would count each row on some nodes only, or once per shard.
        throw new Error(`materialized view ${name} mixes placements (${[...kinds].join(', ')}) between ${sources.join(', ')} and ${target}; classify them alike`)
      }
      const fires = schema.objects.filter((s) => s.dependencies_table.includes(name)).map((s) => s.name)
      if (fires.sort().join() !== sources.sort().join()) {
        throw new Error(`materialized view ${name}: its SELECT reads ${sources.join(', ')} but the engine fires it on ${fires.join(', ') || 'nothing'}`)
      }
      mvs.push({
        name,
        kind: 'materialized view',
        sql: `CREATE MATERIALIZED VIEW ${name} TO ${local(target)} AS ${text(toks)}`,
        note: [`${name}: fires on inserts into ${sources.map(local).join(', ')} on each shard, writes ${local(target)} of the same shard.`],
      })
    } else {
      const v = parseView(o, db, false)
      const { toks, refs } = renameRefs(v.select, db, (n) => {
        const q = placementOf(n, by, `view ${name}`)
        if (q.kind === 'materialized view') throw new Error(`view ${name} reads materialized view ${n}; read its TO table instead`)
        if (q.kind === 'view' && !viewsDone.has(n)) throw new Error(`view ${name} reads view ${n}, listed after it in CLASSIFICATION; list ${n} first`)
        return n
      })
      viewsDone.add(name)
      const read = [...refs].map((n) => `${n} (${by.get(n)!.kind === 'sharded' ? 'Distributed' : by.get(n)!.kind})`)
      views.push({ name, kind: 'view', sql: `CREATE VIEW ${name} AS ${text(toks)}`, note: [`${name}: reads ${read.join(', ')}.`] })
    }
  }

  if (!objects.has('schema_migrations') || schema.ledger.length === 0) throw new Error('the migrated store has no schema_migrations rows: did migrate() run?')
  const quote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  const ledger: ClusterStatement = {
    name: 'schema_migrations',
    kind: 'ledger',
    sql:
      'INSERT INTO schema_migrations (version, name, checksum) VALUES\n' +
      schema.ledger.map((r) => `    (${Number(r.version)}, ${quote(r.name)}, ${quote(r.checksum)})`).join(',\n'),
    note: [
      'The migrations this schema is, recorded as sql/migrate.ts records them: GridPulse started on the',
      'cluster finds every migration applied, with the same checksums, and runs none of them.',
    ],
  }
  return [...everywhere, ...sharded, ...mvs, ...views, ledger]
}

// ---------------------------------------------------------------------------------------------

export async function readSchema(client: ClickHouseClient): Promise<SourceSchema> {
  const rs = await client.query({
    query:
      // No alias `database`: ClickHouse would read it for the column in WHERE.
      'SELECT currentDatabase() AS db, name, engine, engine_full, create_table_query, dependencies_table FROM system.tables ' +
      'WHERE database = currentDatabase() AND NOT is_temporary ORDER BY name',
    format: 'JSONEachRow',
  })
  const rows = await rs.json<SourceObject & { db: string }>()
  const database = rows[0]?.db ?? 'default'
  const ledger = await (
    await client.query({ query: 'SELECT version, name, checksum FROM schema_migrations ORDER BY version', format: 'JSONEachRow' })
  ).json<LedgerRow>()
  return { database, objects: rows.map(({ db: _db, ...o }) => o), ledger }
}

const CREATE_WORDS: Record<Exclude<ClusterStatement['kind'], 'ledger'>, string> = {
  local: 'CREATE TABLE',
  distributed: 'CREATE TABLE',
  everywhere: 'CREATE TABLE',
  'materialized view': 'CREATE MATERIALIZED VIEW',
  view: 'CREATE VIEW',
}

/** Pretty-prints with the engine's own formatter, then names the cluster. */
async function format(client: ClickHouseClient, s: ClusterStatement): Promise<string> {
  if (s.kind === 'ledger') return s.sql
  const rs = await client.query({ query: 'SELECT formatQuery({q:String}) AS f', query_params: { q: s.sql }, format: 'JSONEachRow' })
  const f = (await rs.json<{ f: string }>())[0]!.f
  const head = `${CREATE_WORDS[s.kind]} ${s.name}`
  if (!f.startsWith(head) || !/\s/.test(f[head.length] ?? '')) throw new Error(`formatQuery gave an unexpected head for ${s.name}: ${f.slice(0, 80)}`)
  return `${head} ON CLUSTER '{cluster}'${f.slice(head.length)}`
}

const HEADER = `-- GENERATED by sql/cluster/render.ts from sql/migrations/*.sql. Do not edit: add a migration,
-- then run \`npm run sql:cluster\` (tests/integration/cluster-schema.test.ts fails while this file
-- differs from a fresh render).
--
-- The GridPulse schema for a ClickHouse cluster: event and rollup tables sharded (T_local,
-- Replicated per shard, under T, Distributed), small tables replicated whole to every node,
-- materialized views on the local tables, plain views over the Distributed names. Macros
-- {cluster}, {shard}, {replica} must be set on every node. How to apply it, and what differs
-- from the single server: sql/cluster/README.md.`

const SECTIONS: [ClusterStatement['kind'][], string][] = [
  [['everywhere'], 'Small tables every node needs whole: one Replicated copy per node (no {shard} in the path).'],
  [['local', 'distributed'], 'Event and rollup tables: T_local holds a shard\'s rows (Replicated within the shard), T is\n-- the Distributed table GridPulse reads and inserts through, so its SQL is unchanged.'],
  [['materialized view'], 'Materialized views: one per node, on its shard\'s local tables (a view fires on the insert\n-- into the local table it reads, never on the Distributed one).'],
  [['view'], 'Plain views: read the Distributed names, as in the migrations.'],
  [['ledger'], 'The migration ledger.'],
]

export async function renderClusterSchema(client: ClickHouseClient): Promise<string> {
  const statements = planCluster(await readSchema(client))
  const parts: string[] = [HEADER]
  const formatted: string[] = []
  for (const [kinds, title] of SECTIONS) {
    const group = statements.filter((s) => kinds.includes(s.kind))
    if (group.length === 0) continue
    parts.push(`-- ${'-'.repeat(94)}\n-- ${title}`)
    for (const s of group) {
      const f = await format(client, s)
      formatted.push(f)
      const note = s.note.flatMap((n) => wrap(n, 96)).map((l) => `-- ${l}`)
      parts.push([...note, `${f};`].join('\n'))
    }
  }
  const out = parts.join('\n\n') + '\n'
  // schema.sql is read back with the migrator's splitter (the test) and by clickhouse-client:
  // make sure the first sees exactly these statements.
  const back = splitStatements(out)
  if (back.length !== formatted.length || back.some((b, i) => b !== formatted[i]!.trim())) {
    throw new Error('the rendered schema does not split back into its statements (a line of a statement ends with ";")')
  }
  return out
}

function wrap(s: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of s.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line ? `${line} ${word}` : word
    }
  }
  if (line) lines.push(line)
  return lines
}

/** Applies every migration to an empty embedded store of its own and renders from it. */
export async function renderFromMigrations(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-cluster-schema-'))
  const store = await createStore({ dataDir: dir })
  try {
    await migrate(store.admin)
    return await renderClusterSchema(store.admin)
  } finally {
    await store.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const out = await renderFromMigrations()
  fs.writeFileSync(SCHEMA_PATH, out)
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_PATH)} (${splitStatements(out).length} statements)`)
}
