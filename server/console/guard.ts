/**
 * The console's guard (DESIGN §7): decides whether an analyst's SQL may run, by parsing it with
 * the engine's own parser, never by matching keywords. A query is first normalised with
 * `formatQuery()` — which parses the text as a bound value, so nothing in it runs, and fails on a
 * second statement — and its tree (`EXPLAIN AST` of that one normalised statement) is walked:
 * only SELECT (or EXPLAIN of one) on the tables analysts are meant to read, no SETTINGS, no
 * INTO OUTFILE, no table function but a few that generate numbers, no function that reaches
 * files, the network, other servers or dictionaries. What runs is the normalised text that was
 * checked, so the checker and the engine can never read the query differently.
 * The analyst connection is read-only as well (readonly = 2): a write that slipped past would
 * still be refused by the engine.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { sql } from '../../sql/queries.ts'

/** The tables and views the console may read (documented in sql/README.md). */
export const CONSOLE_TABLES = [
  'report_events',
  'report_state',
  'report_current',
  'live_report_state',
  'visit_events',
  'places',
  'place_boundaries',
  'trends_monthly',
  'trends_hourly',
  'visit_weeks',
] as const

/** Table functions that only generate values. */
const TABLE_FUNCTIONS = new Set(['numbers', 'numbers_mt', 'zeros', 'zeros_mt', 'values', 'generate_series', 'generateSeries'])

/**
 * Functions refused anywhere: they read files or URLs, reach other servers or tables by name
 * (around the table list and the scope), or stall the engine on purpose.
 */
const FUNCTIONS_REFUSED = [
  /^file$/i,
  /^url$/i,
  /^(remote|remoteSecure|cluster|clusterAllReplicas)$/i,
  /^(s3|s3Cluster|gcs|azureBlobStorage|hdfs|hdfsCluster|iceberg|deltaLake|hudi)/i,
  /^(mysql|postgresql|jdbc|odbc|mongodb|redis|sqlite|executable|input|merge|dictionary)$/i,
  /^dictGet/i,
  /^dictHas$/i,
  /^dictIsIn$/i,
  /^joinGet/i,
  /^(sleep|sleepEachRow)$/i,
  /^(getSetting|getSettingOrDefault|getServerSetting|getMergeTreeSetting|getMacro|getServerPort|getClientHTTPHeader|filesystem)/i,
  /^(hasColumnInTable|currentProfiles|enabledProfiles|defaultProfiles|currentRoles|enabledRoles|defaultRoles)$/i,
  /^(addressToLine|addressToLineWithInlines|addressToSymbol|demangle|trap|logTrace)$/i,
  /^(catboostEvaluate|modelEvaluate|naiveBayesClassifier)$/i,
]

/** Output formats the ClickHouse-compatible endpoint may ask for: text and rows, never files. */
const FORMATS = /^(JSON|JSONCompact|JSONEachRow|JSONCompactEachRow|JSONStrings|JSONCompactStrings|JSONStringsEachRow|JSONCompactStringsEachRow|JSONEachRowWithProgress|JSONCompactEachRowWithNames|JSONCompactEachRowWithNamesAndTypes|JSONCompactStringsEachRowWithNames|JSONCompactStringsEachRowWithNamesAndTypes|JSONObjectEachRow|TabSeparated|TabSeparatedRaw|TabSeparatedWithNames|TabSeparatedWithNamesAndTypes|TSV|TSVRaw|TSVWithNames|TSVWithNamesAndTypes|CSV|CSVWithNames|CSVWithNamesAndTypes|Pretty|PrettyCompact|PrettyCompactMonoBlock|PrettySpace|PrettyNoEscapes|PrettyCompactNoEscapes|Vertical|Values|Markdown|RowBinary|RowBinaryWithNames|RowBinaryWithNamesAndTypes|Native|Null)$/

/** The longest query text accepted. */
export const MAX_QUERY_BYTES = 100_000

export class QueryRefused extends Error {}

export interface CheckedQuery {
  /** The normalised single statement, without FORMAT: what runs. */
  text: string
  /** EXPLAIN … of a SELECT. */
  explain: boolean
  /** The FORMAT clause it asked for, if any (only the HTTP endpoint accepts one). */
  format: string | undefined
}

interface Node {
  kind: string
  arg: string
  children: Node[]
}

/** Nodes whose argument starts with a name. */
const NAMED = new Set(['Function', 'TableIdentifier', 'Identifier'])

/** Parses `EXPLAIN AST` text: one node per line, indented one space per level. */
export function parseAst(lines: string[]): Node {
  const root: Node = { kind: '', arg: '', children: [] }
  const stack: Array<{ depth: number; node: Node }> = [{ depth: -1, node: root }]
  for (const line of lines) {
    if (!line.trim()) continue
    const depth = line.length - line.trimStart().length
    const body = line.trim().replace(/ \(children \d+\)$/, '')
    const space = body.indexOf(' ')
    // "Function file (alias f)": a name is the argument's first word (an alias, which may hold
    // anything, follows it); other nodes keep their whole argument.
    const rest = space < 0 ? '' : body.slice(space + 1)
    const kind = space < 0 ? body : body.slice(0, space)
    const arg = NAMED.has(kind) ? rest.split(' ')[0]! : rest
    const node: Node = { kind, arg, children: [] }
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= depth) stack.pop()
    stack[stack.length - 1]!.node.children.push(node)
    stack.push({ depth, node })
  }
  if (root.children.length !== 1) throw new QueryRefused('could not read the query')
  return root.children[0]!
}

function* walk(n: Node, parent?: Node): Generator<{ node: Node; parent: Node | undefined }> {
  yield { node: n, parent }
  for (const c of n.children) yield* walk(c, n)
}

const IN_FUNCTIONS = new Set(['in', 'notIn', 'globalIn', 'globalNotIn', 'nullIn', 'notNullIn', 'globalNullIn', 'globalNotNullIn'])

/**
 * Checks a parsed tree. `tablesInDb`: every table and view of the database (a name that is
 * neither one of them nor allowed is a WITH alias, and is not a table).
 */
export function checkTree(root: Node, tablesInDb: ReadonlySet<string>): { explain: boolean } {
  let select = root
  let explain = false
  if (root.kind === 'Explain') {
    explain = true
    const inner = root.children.find((c) => c.kind === 'SelectWithUnionQuery' || c.kind === 'SelectIntersectExceptQuery')
    if (!inner) throw new QueryRefused('EXPLAIN is allowed of a SELECT only')
    if (root.children.some((c) => c.kind === 'Set')) throw new QueryRefused('SETTINGS are not allowed: the console sets its own limits')
    select = inner
  }
  if (select.kind !== 'SelectWithUnionQuery' && select.kind !== 'SelectIntersectExceptQuery') {
    throw new QueryRefused(`only SELECT queries may run here (this is ${describe(select.kind)})`)
  }
  // The root's own children after the SELECT list: a trailing Identifier is the output format
  // the reading client added; a Literal is INTO OUTFILE; a Set is SETTINGS.
  for (const c of select.children.slice(1)) {
    if (c.kind === 'Identifier') continue
    if (c.kind === 'Literal') throw new QueryRefused('INTO OUTFILE is not allowed: results are never written to the server')
    if (c.kind === 'Set') throw new QueryRefused('SETTINGS are not allowed: the console sets its own limits')
    throw new QueryRefused(`this clause is not allowed here (${c.kind})`)
  }
  const allowed = new Set<string>(CONSOLE_TABLES)
  const table = (raw: string) => {
    const name = raw.replace(/`/g, '')
    const dot = name.indexOf('.')
    if (dot >= 0) {
      const [db, t] = [name.slice(0, dot), name.slice(dot + 1)]
      if (db !== 'default' || !allowed.has(t)) throw new QueryRefused(`table ${name} is not open to the console; it may read ${CONSOLE_TABLES.join(', ')}`)
      return
    }
    if (!allowed.has(name) && tablesInDb.has(name)) throw new QueryRefused(`table ${name} is not open to the console; it may read ${CONSOLE_TABLES.join(', ')}`)
  }
  for (const { node, parent } of walk(select)) {
    if (node.kind === 'Set' || node.kind === 'SetQuery') throw new QueryRefused('SETTINGS are not allowed: the console sets its own limits')
    if (node.kind === 'TableIdentifier') table(node.arg)
    if (node.kind === 'Function') {
      if (parent?.kind === 'TableExpression') {
        if (!TABLE_FUNCTIONS.has(node.arg)) throw new QueryRefused(`table function ${node.arg}() is not allowed: the console reads the event store only (it may use ${[...TABLE_FUNCTIONS].slice(0, 4).join(', ')})`)
      } else if (FUNCTIONS_REFUSED.some((re) => re.test(node.arg))) {
        throw new QueryRefused(`function ${node.arg}() is not allowed in the console`)
      }
      // `x IN t` reads table t by name: the same rules as FROM.
      if (IN_FUNCTIONS.has(node.arg)) {
        const right = node.children[0]?.children[1]
        if (right?.kind === 'Identifier' || right?.kind === 'TableIdentifier') table(right.arg)
      }
    }
  }
  return { explain }
}

function describe(kind: string): string {
  const known: Record<string, string> = {
    InsertQuery: 'an INSERT',
    AlterQuery: 'an ALTER',
    CreateQuery: 'a CREATE',
    DropQuery: 'a DROP or TRUNCATE',
    RenameQuery: 'a RENAME',
    Rename: 'a RENAME',
    TruncateQuery: 'a TRUNCATE',
    Set: 'a SET',
    SetQuery: 'a SET',
    SystemQuery: 'a SYSTEM command',
    KillQueryQuery: 'a KILL',
    OptimizeQuery: 'an OPTIMIZE',
    DeleteQuery: 'a DELETE',
    UseQuery: 'a USE',
    ShowTablesQuery: 'a SHOW',
    GrantQuery: 'a GRANT',
  }
  return known[kind] ?? kind
}

/** Checks `query` with the engine's parser; the statement to run, or QueryRefused. */
export async function checkQuery(client: ClickHouseClient, query: string, tablesInDb: ReadonlySet<string>, opts: { allowFormat: boolean }): Promise<CheckedQuery> {
  if (Buffer.byteLength(query) > MAX_QUERY_BYTES) throw new QueryRefused(`the query is longer than ${MAX_QUERY_BYTES / 1000} KB`)
  if (!query.trim()) throw new QueryRefused('the query is empty')
  let formatted: string
  try {
    const rs = await client.query({ query: sql('console_format'), query_params: { q: query }, format: 'JSONEachRow' })
    formatted = (await rs.json<{ q: string }>())[0]!.q
  } catch (e) {
    throw new QueryRefused(syntaxMessage(e))
  }
  // formatQuery() writes FORMAT alone on the last line (a literal never spans lines there).
  const statement = formatted.trimEnd().split('\n')
  const asked = /^FORMAT (\w+)$/.exec(statement.at(-1)!.trim())
  const text = asked ? statement.slice(0, -1).join('\n') : statement.join('\n')
  const format = asked?.[1]
  if (format !== undefined) {
    if (!opts.allowFormat) throw new QueryRefused('FORMAT is not needed here: the console shows and exports results itself')
    if (!FORMATS.test(format)) throw new QueryRefused(`FORMAT ${format} is not offered here`)
  }
  // The one normalised statement is parsed again, now to read its tree; EXPLAIN AST runs nothing.
  // The client adds a FORMAT clause, which the engine reads as the explained query's (a trailing
  // Identifier child, ignored by checkTree); lines come as JSON strings or as plain text.
  const ast = await (await client.query({ query: `EXPLAIN AST ${text}`, format: 'TabSeparatedRaw' })).text()
  const lines = ast.split('\n').map((l) => (l.startsWith('"') ? (JSON.parse(l) as string) : l))
  const { explain } = checkTree(parseAst(lines), tablesInDb)
  return { text, explain, format }
}

/** The engine's syntax error, without its stack and the wrapper query it was bound into. */
export function syntaxMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  return msg
    .replace(/^Code: \d+\. DB::Exception: /, '')
    .replace(/: In scope SELECT formatQuery[\s\S]*$/, '')
    .replace(/\s*\(version [^)]*\)\s*$/, '')
    .trim()
}
