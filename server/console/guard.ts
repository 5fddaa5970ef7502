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

/** Whether the ClickHouse-compatible endpoint offers this output format. */
export function isOfferedFormat(format: string): boolean {
  return FORMATS.test(format)
}

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
  /** The rest of the line (names, literals, an alias). */
  rest: string
  children: Node[]
}

/**
 * Parses `EXPLAIN AST` output: one node per line, indented one space per level, "(children N)"
 * after a node with children. The engine prints names and aliases as they are, so an alias
 * holding a line break could forge lines: every line must be whole (the embedded engine quotes
 * each as a JSON string) and every node must have exactly the children it declares, or the
 * query is refused.
 */
export function parseAst(raw: string): Node {
  const lines = raw.split('\n').filter((l) => l.trim() !== '')
  if (lines.length === 0) throw new QueryRefused('could not read the query')
  const quoted = lines[0]!.startsWith('"')
  const root: Node = { kind: '', rest: '', children: [] }
  const declared = new Map<Node, number>([[root, 1]])
  const stack: Array<{ depth: number; node: Node }> = [{ depth: -1, node: root }]
  for (const rawLine of lines) {
    let line = rawLine
    if (quoted) {
      if (rawLine.length < 2 || !rawLine.endsWith('"')) throw new QueryRefused('names and aliases may not hold line breaks')
      try {
        line = JSON.parse(rawLine) as string
      } catch {
        throw new QueryRefused('could not read the query')
      }
    }
    if (/[\u0000-\u001f]/.test(line)) throw new QueryRefused('names and aliases may not hold line breaks or control characters')
    const depth = line.length - line.trimStart().length
    const body = line.trim()
    const count = / \(children (\d+)\)$/.exec(body)
    const text = count ? body.slice(0, count.index) : body
    const space = text.indexOf(' ')
    const node: Node = { kind: space < 0 ? text : text.slice(0, space), rest: space < 0 ? '' : text.slice(space + 1), children: [] }
    declared.set(node, count ? Number(count[1]) : 0)
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= depth) stack.pop()
    if (depth !== stack[stack.length - 1]!.depth + 1) throw new QueryRefused('could not read the query')
    stack[stack.length - 1]!.node.children.push(node)
    stack.push({ depth, node })
  }
  for (const [node, n] of declared) if (node.children.length !== n) throw new QueryRefused('could not read the query (its tree does not add up)')
  return root.children[0]!
}

function* walk(n: Node, parent?: Node): Generator<{ node: Node; parent: Node | undefined }> {
  yield { node: n, parent }
  for (const c of n.children) yield* walk(c, n)
}

/** A function's name: the first word of its line (an alias may follow). */
const nameOf = (n: Node) => n.rest.split(' ')[0]!

/** A table's name as the engine printed it: a plain identifier, optionally in `default`, then maybe an alias. */
const TABLE_NAME = /^((?:default\.)?[A-Za-z_][A-Za-z0-9_]*)(?: \(alias .*\))?$/

const IN_FUNCTIONS = new Set(['in', 'notIn', 'globalIn', 'globalNotIn', 'nullIn', 'notNullIn', 'globalNullIn', 'globalNotNullIn'])

const SETTINGS_REFUSED = 'SETTINGS are not allowed: the console sets its own limits'

/**
 * The names the query's WITH clauses give their subqueries (`name AS (…)`), read from the
 * normalised text, where formatQuery() puts each on a line of its own ("name AS") followed by
 * a line "("; literals never span lines there.
 */
export function withNames(formatted: string): string[] {
  const lines = formatted.split('\n')
  const out: string[] = []
  lines.forEach((line, i) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*|`[^`]*`) AS$/.exec(line)
    if (m && lines[i + 1]?.trim() === '(') out.push(m[1]!.replace(/^`|`$/g, ''))
  })
  return out
}

/**
 * Checks a parsed tree. `ctes`: the names of the query's WITH subqueries (one per WithElement
 * node). Tables are refused unless open to the console or one of those names: any other name
 * could reach a closed table, or — through the embedded engine's file lookup — a file.
 */
export function checkTree(root: Node, ctes: readonly string[]): { explain: boolean } {
  let select = root
  let explain = false
  if (root.kind === 'Explain') {
    explain = true
    const inner = root.children.find((c) => c.kind === 'SelectWithUnionQuery' || c.kind === 'SelectIntersectExceptQuery')
    if (!inner) throw new QueryRefused('EXPLAIN is allowed of a SELECT only')
    for (const c of root.children) {
      if (c === inner || c.kind === 'Identifier') continue // the query, and the format the reading client added
      if (c.kind === 'Literal') throw new QueryRefused('INTO OUTFILE is not allowed: results are never written to the server')
      if (c.kind === 'Set') throw new QueryRefused(SETTINGS_REFUSED)
      throw new QueryRefused(`this clause is not allowed here (${c.kind})`)
    }
    select = inner
  }
  if (select.kind !== 'SelectWithUnionQuery' && select.kind !== 'SelectIntersectExceptQuery') {
    throw new QueryRefused(`only SELECT queries may run here (this is ${describe(select.kind)})`)
  }
  const withElements = [...walk(select)].filter(({ node }) => node.kind === 'WithElement').length
  if (withElements !== ctes.length) throw new QueryRefused('could not read the WITH clause')
  const allowed = new Set<string>(CONSOLE_TABLES)
  const named = new Set(ctes)
  const refuseTable = (name: string) => {
    throw new QueryRefused(`table ${name} is not open to the console; it may read ${CONSOLE_TABLES.join(', ')}`)
  }
  const table = (rest: string) => {
    const m = TABLE_NAME.exec(rest)
    if (!m) refuseTable(rest.split(' (alias ')[0]!)
    const name = m![1]!
    if (name.startsWith('default.')) {
      if (!allowed.has(name.slice('default.'.length))) refuseTable(name)
    } else if (!allowed.has(name) && !named.has(name)) refuseTable(name)
  }
  for (const { node, parent } of walk(select)) {
    if (node.kind === 'Set' || node.kind === 'SetQuery') throw new QueryRefused(SETTINGS_REFUSED)
    // A union's own clauses: after its list of selects, only the outermost may carry the
    // reading client's format; a Literal is INTO OUTFILE, a Set is SETTINGS.
    if (node.kind === 'SelectWithUnionQuery' || node.kind === 'SelectIntersectExceptQuery') {
      node.children.forEach((c, i) => {
        if (i === 0 && c.kind === 'ExpressionList') return
        if (node === select && c.kind === 'Identifier') return
        if (c.kind === 'Literal') throw new QueryRefused('INTO OUTFILE is not allowed: results are never written to the server')
        if (c.kind === 'Set') throw new QueryRefused(SETTINGS_REFUSED)
        if (node.kind === 'SelectIntersectExceptQuery' && c.kind === 'SelectWithUnionQuery') return
        if (node.kind === 'SelectIntersectExceptQuery' && c.kind === 'SelectQuery') return
        throw new QueryRefused(`this clause is not allowed here (${c.kind})`)
      })
    }
    if (node.kind === 'TableIdentifier') table(node.rest)
    if (node.kind === 'Function') {
      const fn = nameOf(node)
      if (parent?.kind === 'TableExpression') {
        if (!TABLE_FUNCTIONS.has(fn)) throw new QueryRefused(`table function ${fn}() is not allowed: the console reads the event store only (it may use ${[...TABLE_FUNCTIONS].slice(0, 4).join(', ')})`)
      } else if (FUNCTIONS_REFUSED.some((re) => re.test(fn))) {
        throw new QueryRefused(`function ${fn}() is not allowed in the console`)
      }
      // `x IN t` reads table t by name: the same rules as FROM.
      if (IN_FUNCTIONS.has(fn)) {
        const right = node.children[0]?.children[1]
        if (right?.kind === 'Identifier' || right?.kind === 'TableIdentifier') table(right.rest)
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
export async function checkQuery(client: ClickHouseClient, query: string, opts: { allowFormat: boolean }): Promise<CheckedQuery> {
  if (Buffer.byteLength(query) > MAX_QUERY_BYTES) throw new QueryRefused(`the query is longer than ${MAX_QUERY_BYTES / 1000} KB`)
  if (!query.trim()) throw new QueryRefused('the query is empty')
  let formatted: string | undefined
  // After a query on this connection was killed, the embedded engine may answer the next one
  // empty, without an error: such an answer is asked once more.
  for (let attempt = 0; formatted === undefined && attempt < 2; attempt++) {
    try {
      const rs = await client.query({ query: sql('console_format'), query_params: { q: query }, format: 'JSONEachRow' })
      formatted = (await rs.json<{ q: string }>())[0]?.q
    } catch (e) {
      throw new QueryRefused(syntaxMessage(e))
    }
  }
  if (formatted === undefined) throw new Error('the engine did not answer the check; try again')
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
  let ast = ''
  for (let attempt = 0; !ast.trim() && attempt < 2; attempt++) ast = await (await client.query({ query: `EXPLAIN AST ${text}`, format: 'TabSeparatedRaw' })).text()
  const { explain } = checkTree(parseAst(ast), withNames(text))
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
