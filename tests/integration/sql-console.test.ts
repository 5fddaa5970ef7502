/**
 * The analysts' SQL console cannot hurt the data or the host (DESIGN §7, issue 7): an
 * adversarial suite of queries that try to write, change settings, escape through table
 * functions or other tables, stack statements or exhaust resources — each refused with a clear
 * error, the store unchanged — run through the console API and through the
 * ClickHouse-compatible endpoint with the official @clickhouse/client; an analyst restricted to
 * a street sees only that street's rows, also through views; every query is logged with its
 * user and shows in their history; saved queries open by link and run in the opener's scope.
 * Fixture: GridPulse with the demo registry; reports in two streets; an analyst for the city,
 * one for a street, and a leader (who may not use the console).
 */
import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { ADMIN_PASSWORD, signIn, startTestApp, type SignedIn, type TestApp } from '../support/app.ts'
import type { ConsoleResult } from '../../server/contracts/console.ts'

const PASSWORD = 'console-test-password-1'
const STREET = 'qingbaijiang.dawan'
let app: TestApp
let cityAnalyst: SignedIn
let streetAnalyst: SignedIn
let leader: SignedIn
let official: ClickHouseClient
let streetOfficial: ClickHouseClient
/** The street of the five reports outside the restricted analyst's street. */
let OTHER: string

async function api(who: SignedIn, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${app.url}/api/v1/sql${path}`, {
    method,
    headers: { cookie: who.cookie, 'x-csrf-token': who.csrf, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: res.status, body: await res.json() }
}
const run = (who: SignedIn, query: string, extra: Record<string, unknown> = {}) => api(who, 'POST', '', { query, ...extra })

/** Every table's row count and the store's table list: what must not change. */
async function fingerprint(): Promise<string> {
  const rs = await app.store.admin.query({
    // Not the logs the console writes itself, nor rollup_state, which the rollup maintainer writes
    // every pass (10 s) whatever the console does.
    query: "SELECT name, total_rows FROM system.tables WHERE database = currentDatabase() AND name NOT IN ('sql_query_log', 'audit_log', 'sessions', 'rollup_state') ORDER BY name",
    format: 'JSONEachRow',
  })
  return JSON.stringify(await rs.json())
}

beforeAll(async () => {
  app = await startTestApp()
  const admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  for (const [username, role, scope] of [
    ['ana-city', 'analyst', 'city'],
    ['ana-dawan', 'analyst', `street:${STREET}`],
    ['lead', 'leader', 'city'],
  ]) {
    const r = await fetch(`${app.url}/api/v1/admin/users`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ username, role, scope, password: PASSWORD }),
    })
    expect(r.status).toBe(201)
  }
  cityAnalyst = await signIn(app.url, 'ana-city', PASSWORD)
  streetAnalyst = await signIn(app.url, 'ana-dawan', PASSWORD)
  leader = await signIn(app.url, 'lead', PASSWORD)
  const reg = app.registry()
  const inStreet = reg.places.find((p) => p.level === 'micro_grid' && p.code.startsWith(`${STREET}.`))!.code
  const elsewhere = reg.places.find((p) => p.level === 'micro_grid' && p.code.startsWith('wenjiang.'))!.code
  OTHER = reg.microGridPath(elsewhere)!.street
  const at = new Date(app.now() - 3_600_000).toISOString()
  const events = [
    ...[1, 2, 3].map((i) => ({ event_id: `C-${i}`, report_id: `C-R${i}`, type: 'reported', at, micro_grid: inStreet, category: 'clutter', channel: 'app', reporter_role: 'grid_worker' })),
    ...[1, 2, 3, 4, 5].map((i) => ({ event_id: `C-x${i}`, report_id: `C-X${i}`, type: 'reported', at, micro_grid: elsewhere, category: 'sanitation', channel: 'app', reporter_role: 'grid_worker' })),
  ]
  expect((await app.post('reports', events)).body.accepted).toBe(events.length)
  await app.settle()
  const base = { url: app.url, pathname: '/clickhouse', request_timeout: 30_000 }
  official = createClient({ ...base, username: 'ana-city', password: PASSWORD })
  streetOfficial = createClient({ ...base, username: 'ana-dawan', password: PASSWORD })
})

afterAll(async () => {
  await official?.close()
  await streetOfficial?.close()
  await app?.stopAndClean()
})

/** Hostile queries, each with what its refusal must say. */
const HOSTILE: Array<[string, RegExp]> = [
  ['INSERT INTO report_events (event_id) VALUES (\'x\')', /only SELECT.*INSERT/],
  ['ALTER TABLE report_events DELETE WHERE 1', /only SELECT.*ALTER/],
  ['DROP TABLE report_events', /only SELECT.*DROP/],
  ['TRUNCATE TABLE report_events', /only SELECT/],
  ['CREATE TABLE x (a UInt8) ENGINE = Memory', /only SELECT.*CREATE/],
  ['CREATE TABLE x ENGINE = File(TSV, \'/tmp/x\') AS SELECT 1', /only SELECT.*CREATE/],
  ['OPTIMIZE TABLE report_events FINAL', /only SELECT/],
  ['RENAME TABLE report_events TO gone', /only SELECT/],
  ['SYSTEM SHUTDOWN', /only SELECT.*SYSTEM/],
  ['KILL QUERY WHERE 1', /only SELECT/],
  ['SET readonly = 0', /only SELECT.*SET/],
  ['SELECT 1 SETTINGS max_execution_time = 100000', /SETTINGS are not allowed/],
  ['SELECT * FROM (SELECT 1 SETTINGS max_result_rows = 0)', /SETTINGS are not allowed/],
  ['SELECT count() FROM report_events; DROP TABLE report_events', /Multi-statements are not allowed/],
  ['SELECT 1;\nINSERT INTO places (code) VALUES (\'x\')', /Multi-statements are not allowed/],
  ["SELECT * FROM file('/etc/passwd', 'LineAsString')", /table function file\(\) is not allowed/],
  ["SELECT * FROM url('http://127.0.0.1:1/', 'TSV', 'a String')", /table function url\(\) is not allowed/],
  ["SELECT * FROM remote('127.0.0.1', system.one)", /table function remote\(\) is not allowed/],
  ["SELECT * FROM executable('cat /etc/passwd', 'TSV', 'a String')", /table function executable\(\) is not allowed/],
  ["SELECT * FROM s3('http://x/y', 'TSV')", /table function s3\(\) is not allowed/],
  ["SELECT * FROM merge(currentDatabase(), '.*')", /table function merge\(\) is not allowed/],
  ["SELECT file('/etc/passwd')", /function file\(\) is not allowed/],
  ["SELECT file('/etc/passwd') AS x", /function file\(\) is not allowed/],
  ["SELECT file('/etc/passwd') AS `a) (b`", /function file\(\) is not allowed/],
  ["SELECT * FROM file('/etc/passwd', 'LineAsString') AS f", /table function file\(\) is not allowed/],
  ['SELECT * FROM api_keys AS k', /table api_keys is not open/],
  ["SELECT count() FROM report_events WHERE event_id IN (SELECT * FROM file('/etc/hosts', 'LineAsString'))", /table function file\(\) is not allowed/],
  ['SELECT * FROM system.users', /table system\.users is not open/],
  ['SELECT * FROM system.processes', /table system\.processes is not open/],
  ['SELECT * FROM api_keys', /table api_keys is not open/],
  ['SELECT secret_sha256 FROM default.api_keys', /table default\.api_keys is not open/],
  ['SELECT * FROM users', /table users is not open/],
  ['SELECT 1 FROM report_events WHERE report_id IN sessions', /table sessions is not open/],
  ['WITH x AS (SELECT * FROM sessions) SELECT * FROM x', /table sessions is not open/],
  ['SELECT * FROM report_events UNION ALL SELECT * FROM audit_log', /table audit_log is not open/],
  ["SELECT 1 INTO OUTFILE '/tmp/out.tsv'", /INTO OUTFILE is not allowed/],
  ['SELECT sleep(3)', /function sleep\(\) is not allowed/],
  ["SELECT catboostEvaluate('/etc/passwd', 1)", /function catboostEvaluate\(\) is not allowed/],
  ['SELECT * FROM view(SELECT * FROM report_events)', /table function view\(\) is not allowed/],
  ['SELECT * FROM loop(report_events)', /table function loop\(\) is not allowed/],
  ['SELECT * FROM INFORMATION_SCHEMA.tables', /table INFORMATION_SCHEMA\.tables is not open/],
  ['WITH (SELECT any(secret_sha256) FROM api_keys) AS s SELECT s', /table api_keys is not open/],
  ['SELECT * FROM report_events AS e INNER JOIN users AS u ON e.source = u.username', /table users is not open/],
  ["SELECT joinGet('x', 'y', 1)", /function joinGet\(\) is not allowed/],
  ["SELECT dictGet('d', 'a', 1)", /function dictGet\(\) is not allowed/],
  ["SELECT getSetting('readonly')", /function getSetting\(\) is not allowed/],
  ['SELECT 1 FORMAT JSON', /FORMAT is not needed here/],
  // Names that are no table here: the embedded engine would look them up as files.
  ['SELECT * FROM `/etc/passwd`', /table \/etc\/passwd is not open/],
  ['SELECT * FROM `/tmp/?env`', /is not open/],
  ['SELECT * FROM Dockerfile', /table Dockerfile is not open/],
  ["EXPLAIN SELECT 1 INTO OUTFILE '/tmp/gridpulse-explain.txt'", /INTO OUTFILE is not allowed/],
  ["EXPLAIN SYNTAX SELECT 'x' INTO OUTFILE 'dashboard/dist/index.html' TRUNCATE FORMAT TSVRaw", /INTO OUTFILE is not allowed|FORMAT is not needed/],
  ["SELECT ('tok' AS `a\n     Literal z`) IN sessions", /line breaks|not open|does not add up/],
  ["SELECT ('tok' AS `a (children 1)\n       Identifier report_events`) IN sessions", /line breaks|not open|does not add up/],
  ['EXPLAIN AST DROP TABLE report_events', /EXPLAIN is allowed of a SELECT only/],
  ['', /the query is empty/],
  ['SELEC 1', /Syntax error/],
]

describe('the SQL console refuses what could hurt the store or the host', () => {
  it.each(HOSTILE)('%s', async (query, reason) => {
    const before = await fingerprint()
    const r = await run(cityAnalyst, query)
    expect(r.status, JSON.stringify(r.body)).toBe(400)
    expect(r.body.error).toMatch(reason)
    if (query) expect(r.body.refused).toBe(true)
    // The same through the ClickHouse-compatible endpoint and the official client.
    if (query.trim()) await expect(official.query({ query, format: 'JSONEachRow' }).then((rs) => rs.text())).rejects.toThrow()
    expect(await fingerprint()).toBe(before)
  })

  it('bounds what a query may cost: time, result rows, rows read', async () => {
    const slow = await run(cityAnalyst, 'SELECT count() FROM numbers(100000000000) WHERE sipHash64(number) % 7 = 1')
    expect(slow.status).toBe(400)
    expect(slow.body.error).toMatch(/TIMEOUT_EXCEEDED|Timeout exceeded|Limit for rows|TOO_MANY_ROWS/i)
    const many = (await run(cityAnalyst, 'SELECT number FROM numbers(1000000)', { limit: 500 })) as { status: number; body: ConsoleResult }
    expect(many.status).toBe(200)
    expect(many.body.rows.length).toBe(500)
    expect(many.body.truncated).toBe(true)
    const huge = (await run(cityAnalyst, 'SELECT number FROM numbers(10000000)')) as { status: number; body: ConsoleResult }
    expect(huge.status).toBe(200)
    expect(huge.body.rows.length).toBe(100_000)
    expect(huge.body.truncated).toBe(true)
  })

  it('lets only analysts and admins in, with the CSRF token', async () => {
    expect((await run(leader, 'SELECT 1')).status).toBe(403)
    const noCsrf = await fetch(`${app.url}/api/v1/sql`, { method: 'POST', headers: { cookie: cityAnalyst.cookie, 'content-type': 'application/json' }, body: '{"query":"SELECT 1"}' })
    expect(noCsrf.status).toBe(403)
    const lead = createClient({ url: app.url, pathname: '/clickhouse', username: 'lead', password: PASSWORD })
    await expect(lead.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toThrow(/may not use the SQL console/)
    await lead.close()
    const wrong = createClient({ url: app.url, pathname: '/clickhouse', username: 'ana-city', password: 'not-it' })
    await expect(wrong.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toThrow(/wrong username or password/)
    await wrong.close()
  })
})

describe('the SQL console answers analysts', () => {
  it('runs a SELECT with types, over tables and views, and EXPLAINs it', async () => {
    const r = (await run(cityAnalyst, "SELECT street, count() AS n FROM report_current WHERE report_id LIKE 'C-%' GROUP BY street ORDER BY street")) as { status: number; body: ConsoleResult }
    expect(r.status).toBe(200)
    expect(r.body.columns).toEqual([{ name: 'street', type: 'String' }, { name: 'n', type: 'UInt64' }])
    expect(r.body.rows).toEqual([[STREET, '3'], [OTHER, '5']].sort((a, b) => a[0]!.localeCompare(b[0]!)))
    const plan = (await run(cityAnalyst, 'SELECT count() FROM report_events', { explain: 'plan' })) as { status: number; body: ConsoleResult }
    expect(plan.status).toBe(200)
    expect(plan.body.rows.flat().join('\n')).toMatch(/ReadFrom|Expression|Aggregating/)
    const own = await run(cityAnalyst, 'EXPLAIN SELECT 1')
    expect(own.status).toBe(200)
  })

  it('shows an analyst restricted to a street only that street’s rows, through tables and views', async () => {
    for (const q of [
      "SELECT count() FROM report_events WHERE event_id LIKE 'C-%'",
      "SELECT count() FROM report_current WHERE report_id LIKE 'C-%'",
      "SELECT count() FROM report_events FINAL WHERE event_id LIKE 'C-%'",
      "SELECT count() FROM default.report_events AS e WHERE e.event_id LIKE 'C-%'",
      "SELECT count() FROM live_report_state WHERE report_id LIKE 'C-%'",
      "SELECT count() FROM (SELECT report_id FROM report_state WHERE report_id LIKE 'C-%' GROUP BY report_id)",
      "SELECT count() FROM (SELECT * FROM report_events WHERE event_id LIKE 'C-%' UNION ALL SELECT * FROM report_events WHERE 0)",
    ]) {
      const city = (await run(cityAnalyst, q)) as { body: ConsoleResult }
      const street = (await run(streetAnalyst, q)) as { body: ConsoleResult }
      expect(city.body.rows, `${q}: ${JSON.stringify(city.body)}`).toBeDefined()
      expect(Number(city.body.rows[0]![0]), q).toBe(8)
      expect(Number(street.body.rows[0]![0]), q).toBe(3)
    }
    const places = (await run(streetAnalyst, 'SELECT DISTINCT level FROM places FINAL ORDER BY level')) as { body: ConsoleResult }
    expect(places.body.rows.map((r) => r[0])).toEqual(['street', 'community', 'grid', 'micro_grid'])
    const other = (await run(streetAnalyst, `SELECT count() FROM report_events WHERE street = '${OTHER}'`)) as { body: ConsoleResult }
    expect(Number(other.body.rows[0]![0])).toBe(0)
    // The same restriction through the compatible endpoint.
    const rs = await streetOfficial.query({ query: "SELECT count() AS n FROM report_events WHERE event_id LIKE 'C-%'", format: 'JSONEachRow' })
    expect(await rs.json()).toEqual([{ n: '3' }])
  })

  it('serves standard ClickHouse clients: the official client and curl-style GETs', async () => {
    expect((await official.ping()).success).toBe(true)
    const rs = await official.query({ query: "SELECT category, count() AS n FROM report_current WHERE report_id LIKE 'C-%' GROUP BY category ORDER BY category", format: 'JSONEachRow' })
    expect(await rs.json()).toEqual([
      { category: 'clutter', n: '3' },
      { category: 'sanitation', n: '5' },
    ])
    const tsv = await fetch(`${app.url}/clickhouse/?query=${encodeURIComponent("SELECT count() FROM report_events WHERE event_id LIKE 'C-%'")}`, {
      headers: { authorization: `Basic ${Buffer.from(`ana-city:${PASSWORD}`).toString('base64')}` },
    })
    expect(tsv.status).toBe(200)
    expect(await tsv.text()).toBe('8\n')
    const csv = await fetch(`${app.url}/clickhouse/`, { method: 'POST', headers: { 'x-clickhouse-user': 'ana-city', 'x-clickhouse-key': PASSWORD }, body: 'SELECT 1 AS a, \'x\' AS b FORMAT CSVWithNames' })
    expect(await csv.text()).toBe('"a","b"\n1,"x"\n')
    // default_format goes after the query: only a format name may go there.
    for (const bad of ['TSV; SELECT id FROM api_keys', 'TSV SETTINGS additional_table_filters = {}', 'TSV; SET max_execution_time = 0']) {
      const r = await fetch(`${app.url}/clickhouse/?default_format=${encodeURIComponent(bad)}&query=${encodeURIComponent("SELECT count() FROM report_events WHERE event_id LIKE 'C-%'")}`, {
        headers: { authorization: `Basic ${Buffer.from(`ana-dawan:${PASSWORD}`).toString('base64')}` },
      })
      expect(r.status, bad).toBe(403)
      expect(await r.text()).toMatch(/default_format .* is not offered here/)
    }
    const denied = await fetch(`${app.url}/clickhouse/?query=${encodeURIComponent('DROP TABLE report_events')}`, { headers: { authorization: `Basic ${Buffer.from(`ana-city:${PASSWORD}`).toString('base64')}` } })
    expect(denied.status).toBe(403)
    expect(await denied.text()).toMatch(/^Code: 164\. DB::Exception: only SELECT queries may run here.*\(READONLY\)/)
  })

  it('logs every query with its user, as the user’s history', async () => {
    const marker = `SELECT 'history-${Date.now()}' AS h`
    expect((await run(streetAnalyst, marker)).status).toBe(200)
    expect((await run(streetAnalyst, 'SELECT * FROM users')).status).toBe(400)
    const h = await api(streetAnalyst, 'GET', '/history')
    expect(h.status).toBe(200)
    const entries = h.body.entries as Array<{ query: string; status: string; error: string }>
    expect(entries.find((e) => e.query === marker)?.status).toBe('ok')
    expect(entries.find((e) => e.query === 'SELECT * FROM users')).toMatchObject({ status: 'refused', error: expect.stringMatching(/users is not open/) })
    // Another analyst's history does not hold them.
    const other = await api(cityAnalyst, 'GET', '/history')
    expect((other.body.entries as Array<{ query: string }>).some((e) => e.query === marker)).toBe(false)
    const log = await (await app.store.admin.query({ query: 'SELECT username, status FROM sql_query_log WHERE query = {q:String}', query_params: { q: marker }, format: 'JSONEachRow' })).json()
    expect(log).toEqual([{ username: 'ana-dawan', status: 'ok' }])
  })

  it('saves queries that open by link for another analyst and run in the opener’s scope', async () => {
    const q = "SELECT count() AS n FROM report_events WHERE event_id LIKE 'C-%'"
    const saved = await api(cityAnalyst, 'POST', '/saved', { name: '本周报告数', query: q })
    expect(saved.status).toBe(201)
    const mine = await api(cityAnalyst, 'GET', '/saved')
    expect(mine.body.saved.map((s: { id: string }) => s.id)).toContain(saved.body.id)
    const opened = await api(streetAnalyst, 'GET', `/saved/${saved.body.id}`)
    expect(opened.body).toMatchObject({ name: '本周报告数', query: q, owner: 'ana-city' })
    const asStreet = (await run(streetAnalyst, opened.body.query)) as { body: ConsoleResult }
    expect(asStreet.body.rows).toEqual([['3']])
    expect((await api(streetAnalyst, 'DELETE', `/saved/${saved.body.id}`)).status).toBe(403)
    expect((await api(cityAnalyst, 'DELETE', `/saved/${saved.body.id}`)).status).toBe(200)
    expect((await api(streetAnalyst, 'GET', `/saved/${saved.body.id}`)).status).toBe(404)
  })

  it('runs every example query of the data dictionary (sql/README.md)', async () => {
    const examples = [...fs.readFileSync('sql/README.md', 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!)
    expect(examples.length).toBeGreaterThan(5)
    for (const q of examples) {
      const r = await run(cityAnalyst, q)
      expect(r.status, `${q}\n${JSON.stringify(r.body)}`).toBe(200)
    }
  })

  it('describes the tables it may read, with column types and comments', async () => {
    const s = await api(cityAnalyst, 'GET', '/schema')
    expect(s.status).toBe(200)
    const tables = s.body.tables as Array<{ table: string; comment: string; columns: Array<{ name: string; type: string; comment: string }> }>
    expect(tables.map((t) => t.table)).toContain('report_events')
    expect(tables.map((t) => t.table)).not.toContain('users')
    const at = tables.find((t) => t.table === 'report_events')!.columns.find((c) => c.name === 'at')!
    expect(at).toEqual({ name: 'at', type: "DateTime64(3, 'UTC')", comment: expect.stringMatching(/happened/) })
  })

  it('keeps one analyst from taking every place in the queue, and lets only the asker cancel', async () => {
    const slow = 'SELECT count() FROM numbers(1500000000) WHERE sipHash64(number) % 7 = 1'
    const ids = [crypto.randomUUID(), crypto.randomUUID()]
    const two = ids.map((runId) => run(cityAnalyst, slow, { runId }))
    await new Promise((r) => setTimeout(r, 300))
    const third = await run(cityAnalyst, 'SELECT 1')
    expect(third.status).toBe(503)
    expect(third.body.error).toMatch(/you have 2 queries running or waiting/)
    // Another analyst cannot cancel them; their own cancel stops the waiting one before it starts.
    expect((await api(streetAnalyst, 'POST', '/cancel', { runId: ids[0] })).status).toBe(200)
    for (const runId of [...ids].reverse()) expect((await api(cityAnalyst, 'POST', '/cancel', { runId })).status).toBe(200)
    const results = await Promise.all(two)
    for (const r of results) expect(r.body.error, JSON.stringify(r.body)).toMatch(/cancelled/)
  })

  it('cancels a run under way', async () => {
    const runId = crypto.randomUUID()
    // Slow, yet inside every limit: only cancelling stops it.
    const slow = run(cityAnalyst, 'SELECT count() FROM numbers(1500000000) WHERE sipHash64(number) % 7 = 1', { runId })
    await new Promise((r) => setTimeout(r, 1000))
    expect((await api(cityAnalyst, 'POST', '/cancel', { runId })).status).toBe(200)
    const r = await slow
    expect(r.status).toBe(400)
    expect(r.body.error).toMatch(/cancelled/)
  })
})
