/**
 * Bad input through `processBody`, the pure core of ingest (parse → validate → time and place →
 * redact → in-batch resends → stored lines): every bad row is refused with its index, the field
 * at fault, a reason code and a sentence naming both; the good rows of the same batch are kept;
 * whatever the body holds, nothing throws. Phone and ID-card numbers never reach a stored line.
 * Fixture: the demo registry of the default seed; an ingest key "bad-input-test" scoped to
 * street:qingbaijiang.dawan (so a wenjiang micro-grid is out of its scope); the request received
 * at 2026-06-15T12:00:00+08:00; at most 1,000 rows per request unless a test says otherwise.
 */
import { describe, expect, it } from 'vitest'
import { processBody, type ProcessedBatch, type ProcessResult, lineEnds } from '../../ingest/process.ts'
import { ID_MASK, PHONE_MASK } from '../../ingest/redact.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { Registry } from '../../ingest/registry/registry.ts'
import { COLUMNS } from '../../ingest/rows.ts'
import { CATEGORIES, CHANNELS, GROUPS, REPORT_TYPES, REPORTER_ROLES, VISIT_KINDS, WORKER_ROLES, type EventKind } from '../../ingest/schema.ts'
import { loadConfig } from '../../server/config.ts'
import type { Rejection, RejectReason } from '../../server/contracts/ingest.ts'
import type { Scope } from '../../server/contracts/live.ts'

const places = demoRegistry(loadConfig({}, {}).demoSeed)
const registry = new Registry(places)
const microGrids = places.filter((p) => p.level === 'micro_grid').map((p) => p.code)
const DAWAN = microGrids.find((c) => c.startsWith('qingbaijiang.dawan.'))!
const DAWAN_2 = microGrids.filter((c) => c.startsWith('qingbaijiang.dawan.'))[1]!
const WENJIANG = microGrids.find((c) => c.startsWith('wenjiang.'))!
const SCOPE: Scope = 'street:qingbaijiang.dawan'
const SOURCE = 'bad-input-test'
const NOW = Date.parse('2026-06-15T12:00:00+08:00')
const MINUTE = 60_000
const DAY = 86_400_000

/** A personal mobile number and ID-card number that must never be stored. */
const MOBILE = '13800001234'
const ID_CARD = '510104199001011234'
const PERSONAL_NOTE = `3栋门口飞线充电，业主电话${MOBILE}，身份证${ID_CARD}`

/** `ms` as ISO-8601 in Beijing time, with its +08:00 offset. */
const local = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00')

let seq = 0
const nextId = (prefix: string) => `${prefix}-${++seq}`

function report(over: Record<string, unknown> = {}): Record<string, unknown> {
  const reportId = nextId('R')
  return { event_id: `${reportId}-reported`, report_id: reportId, type: 'reported', at: local(NOW - 5 * MINUTE), micro_grid: DAWAN, category: 'flying_wire_charging', channel: 'wechat', reporter_role: 'resident', ...over }
}

function visit(over: Record<string, unknown> = {}): Record<string, unknown> {
  return { event_id: nextId('V'), at: local(NOW - 30 * MINUTE), micro_grid: DAWAN, worker_id: 'W-1', worker_role: 'family_doctor', household: 'H-1', groups: ['elderly'], kind: 'home_medical', ...over }
}

function omit(o: Record<string, unknown>, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = o
  return rest
}

/** An event's JSON text with raw members (text JSON.stringify can't write) spliced in. */
const withRaw = (o: Record<string, unknown>, members: string) => `${JSON.stringify(o).slice(0, -1)},${members}}`

const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

interface RunOptions {
  kind?: EventKind
  ndjson?: boolean
  scope?: Scope
  maxBatchRows?: number
}

function run(body: string | Buffer, opts: RunOptions = {}): ProcessResult {
  return processBody(
    {
      kind: opts.kind ?? 'reports',
      body: typeof body === 'string' ? Buffer.from(body) : body,
      ndjson: opts.ndjson ?? false,
      source: { name: SOURCE, scope: opts.scope ?? SCOPE },
      receivedAt: NOW,
      maxBatchRows: opts.maxBatchRows ?? 1000,
    },
    registry,
  )
}

function batchOf(r: ProcessResult): ProcessedBatch {
  if (!r.ok) throw new Error(`expected a batch of rows, got a whole-body ${r.status}: ${r.error}`)
  return r.batch
}

function wholeBody(r: ProcessResult): { status: number; error: string } {
  if (r.ok) throw new Error(`expected the whole body to be refused, got ${r.batch.ids.length} rows and ${JSON.stringify(r.batch.rejected).slice(0, 300)}`)
  return { status: r.status, error: r.error }
}

/** The stored lines of a batch, parsed. */
function storedRows(b: ProcessedBatch): unknown[][] {
  const text = b.lines.toString('utf8')
  expect(text.endsWith('\n')).toBe(b.ids.length > 0)
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown[])
}

function storedNotes(b: ProcessedBatch, kind: EventKind): string[] {
  const at = (COLUMNS[kind] as readonly string[]).indexOf('note')
  return storedRows(b).map((row) => {
    expect(row).toHaveLength(COLUMNS[kind].length)
    return row[at] as string
  })
}

interface BadCase {
  name: string
  /** The row's JSON text (raw, so it can hold what JSON.stringify can't write). */
  json: () => string
  field: string
  reason: RejectReason
  /** What follows `row N: ` in the error: exact, or a pattern. */
  message: string | RegExp
  /** An upper bound on the error's length, for inputs that could blow it up. */
  maxErrorLength?: number
}

const anObject = /^must be (an object|a JSON object)\b/

const future = local(NOW + 11 * MINUTE)
const tooOld = local(NOW - 5 * 366 * DAY - DAY)
const manyUnknown = () => {
  const o = report()
  for (let i = 0; i < 1000; i++) o[`k${i}`] = i
  return JSON.stringify(o)
}

const reportCases: BadCase[] = [
  // Wrong types
  { name: 'severity as a string', json: () => JSON.stringify(report({ severity: 'high' })), field: 'severity', reason: 'schema', message: 'severity: must be a number (got a string)' },
  { name: 'event_id as a number', json: () => JSON.stringify(report({ event_id: 42 })), field: 'event_id', reason: 'schema', message: 'event_id: must be a string (got a number)' },
  { name: 'lat as a string', json: () => JSON.stringify(report({ lat: '30.78', lon: 104.15 })), field: 'lat', reason: 'schema', message: 'lat: must be a number (got a string)' },
  { name: 'an optional field set to null', json: () => JSON.stringify(report({ channel: null })), field: 'channel', reason: 'schema', message: `channel: must be one of ${CHANNELS.join(', ')} (got null)` },
  { name: 'an enum field set to a number', json: () => JSON.stringify(report({ category: 3 })), field: 'category', reason: 'schema', message: `category: must be one of ${CATEGORIES.join(', ')} (got a number)` },
  { name: 'an empty event_id', json: () => JSON.stringify(report({ event_id: '' })), field: 'event_id', reason: 'schema', message: 'event_id: must not be empty' },
  // Missing and unknown fields
  { name: 'no event_id', json: () => JSON.stringify(omit(report(), 'event_id')), field: 'event_id', reason: 'schema', message: 'event_id: is required' },
  { name: 'no at', json: () => JSON.stringify(omit(report(), 'at')), field: 'at', reason: 'schema', message: 'at: is required' },
  { name: 'no micro_grid', json: () => JSON.stringify(omit(report(), 'micro_grid')), field: 'micro_grid', reason: 'schema', message: 'micro_grid: is required' },
  { name: 'no type', json: () => JSON.stringify(omit(report(), 'type')), field: 'type', reason: 'schema', message: 'type: is required' },
  { name: 'no category on a reported event', json: () => JSON.stringify(omit(report(), 'category')), field: 'category', reason: 'schema', message: 'category: is required when type is "reported"' },
  { name: 'an unknown field', json: () => JSON.stringify(report({ mood: 'grumpy' })), field: 'mood', reason: 'schema', message: 'unknown field "mood"' },
  { name: 'a thousand unknown fields (the error stays short)', json: manyUnknown, field: 'k0', reason: 'schema', message: /^unknown fields "k0", /, maxErrorLength: 300 },
  // Unknown enum values
  { name: 'an unknown type', json: () => JSON.stringify(report({ type: 'done' })), field: 'type', reason: 'schema', message: `type: must be one of ${REPORT_TYPES.join(', ')}` },
  { name: 'an unknown category', json: () => JSON.stringify(report({ category: 'pothole' })), field: 'category', reason: 'schema', message: `category: must be one of ${CATEGORIES.join(', ')}` },
  { name: 'an unknown channel', json: () => JSON.stringify(report({ channel: 'fax' })), field: 'channel', reason: 'schema', message: `channel: must be one of ${CHANNELS.join(', ')}` },
  { name: 'an unknown reporter_role', json: () => JSON.stringify(report({ reporter_role: 'mayor' })), field: 'reporter_role', reason: 'schema', message: `reporter_role: must be one of ${REPORTER_ROLES.join(', ')}` },
  // Coordinates and severity
  { name: 'lat without lon', json: () => JSON.stringify(report({ lat: 30.78 })), field: 'lon', reason: 'schema', message: 'lon: lat and lon come together' },
  { name: 'lon without lat', json: () => JSON.stringify(report({ lon: 104.15 })), field: 'lat', reason: 'schema', message: 'lat: lat and lon come together' },
  { name: 'severity 0', json: () => JSON.stringify(report({ severity: 0 })), field: 'severity', reason: 'schema', message: /^severity: must be .*\b1\b/ },
  { name: 'severity 4', json: () => JSON.stringify(report({ severity: 4 })), field: 'severity', reason: 'schema', message: /^severity: must be .*\b3\b/ },
  { name: 'severity past the safe integers', json: () => withRaw(report(), '"severity":9007199254740993'), field: 'severity', reason: 'schema', message: 'severity: must be at most 3' },
  { name: 'severity far below the safe integers', json: () => withRaw(report(), '"severity":-9007199254740993'), field: 'severity', reason: 'schema', message: 'severity: must be at least 1' },
  { name: 'severity 2.5', json: () => JSON.stringify(report({ severity: 2.5 })), field: 'severity', reason: 'schema', message: /^severity: must be an integer\b/ },
  { name: 'severity 1e400 (Infinity once parsed)', json: () => withRaw(report(), '"severity":1e400'), field: 'severity', reason: 'schema', message: /^severity: must be a (finite )?number\b/ },
  { name: 'lat 1e400 (Infinity once parsed)', json: () => withRaw(report(), '"lat":1e400,"lon":104.15'), field: 'lat', reason: 'schema', message: /^lat: must be a (finite )?number\b/ },
  // Time
  { name: 'at without an offset', json: () => JSON.stringify(report({ at: '2026-06-15T11:00:00' })), field: 'at', reason: 'schema', message: 'at: must be an ISO-8601 date-time with an offset, e.g. 2026-11-23T09:30:00+08:00' },
  { name: 'at with an offset no place uses', json: () => JSON.stringify(report({ at: '2026-06-15T10:00:00+23:59' })), field: 'at', reason: 'schema', message: 'at: has a UTC offset no place uses (they run from -12:00 to +14:00)' },
  { name: 'at 12 hours and a minute behind UTC', json: () => JSON.stringify(report({ at: '2026-06-15T10:00:00-12:01' })), field: 'at', reason: 'schema', message: 'at: has a UTC offset no place uses (they run from -12:00 to +14:00)' },
  { name: 'at on 30 February', json: () => JSON.stringify(report({ at: '2026-02-30T10:00:00+08:00' })), field: 'at', reason: 'schema', message: 'at: is not a real date-time (no such day or time)' },
  { name: 'at more than 10 minutes in the future', json: () => JSON.stringify(report({ at: future })), field: 'at', reason: 'future', message: `at: is more than 10 minutes in the future (${future})` },
  { name: 'at more than 5 years ago', json: () => JSON.stringify(report({ at: tooOld })), field: 'at', reason: 'too_old', message: `at: is more than 5 years in the past (${tooOld})` },
  { name: 'an event_id holding a NUL', json: () => JSON.stringify(report({ event_id: 'E-1\u0000x' })), field: 'event_id', reason: 'schema', message: 'event_id: must not hold control characters' },
  { name: 'a department holding an escape sequence', json: () => JSON.stringify(report({ department: '城管\u001b[31m' })), field: 'department', reason: 'schema', message: 'department: must not hold control characters' },
  // Keys given twice: JSON.parse keeps the last, a sender's parser may have kept the first
  { name: 'a field given twice', json: () => withRaw(report(), '"type":"verified"'), field: 'type', reason: 'schema', message: 'type: is given more than once' },
  { name: 'a field given twice, once escaped', json: () => withRaw(report(), '"ev\\u0065nt_id":"E-other"'), field: 'event_id', reason: 'schema', message: 'event_id: is given more than once' },
  // Place
  { name: 'an unknown micro_grid', json: () => JSON.stringify(report({ micro_grid: 'nowhere.m1' })), field: 'micro_grid', reason: 'unknown_micro_grid', message: 'micro_grid: unknown micro-grid "nowhere.m1"' },
  { name: "a micro_grid outside the key's street", json: () => JSON.stringify(report({ micro_grid: WENJIANG })), field: 'micro_grid', reason: 'scope', message: `micro_grid: "${WENJIANG}" is outside this key's scope ${SCOPE}` },
  // Sizes and text
  { name: 'a note of 2,001 characters', json: () => JSON.stringify(report({ note: 'x'.repeat(2001) })), field: 'note', reason: 'schema', message: 'note: must be at most 2,000 characters' },
  { name: 'an event_id of 65 characters', json: () => JSON.stringify(report({ event_id: 'e'.repeat(65) })), field: 'event_id', reason: 'schema', message: 'event_id: must be at most 64 characters' },
  { name: 'a lone high surrogate in note', json: () => withRaw(omit(report(), 'note'), '"note":"门口\\ud800有电线"'), field: 'note', reason: 'schema', message: 'note: is not valid Unicode (a lone surrogate)' },
  { name: 'a lone low surrogate in event_id', json: () => withRaw(omit(report(), 'event_id'), '"event_id":"E-\\udc00"'), field: 'event_id', reason: 'schema', message: 'event_id: is not valid Unicode (a lone surrogate)' },
  // Rows that are not objects
  { name: 'a row that is an array', json: () => JSON.stringify([report()]), field: '', reason: 'schema', message: anObject },
  { name: 'a row that is a number', json: () => '42', field: '', reason: 'schema', message: anObject },
  { name: 'a row that is null', json: () => 'null', field: '', reason: 'schema', message: anObject },
  { name: 'a row that is a string', json: () => '"reported"', field: '', reason: 'schema', message: anObject },
  // Deep nesting and prototype keys
  { name: 'a note of 10,000 nested arrays', json: () => withRaw(omit(report(), 'note'), `"note":${nestedArrays(10_000)}`), field: 'note', reason: 'schema', message: 'note: is nested deeper than 16 levels (no event is)' },
  { name: 'an event of 100,000 nested arrays', json: () => nestedArrays(100_000), field: '', reason: 'schema', message: 'is nested deeper than 16 levels (no event is)' },
  { name: 'an unknown field holding 100,000 nested objects', json: () => withRaw(report(), `"extra":${nestedObjects(100_000)}`), field: 'extra', reason: 'schema', message: 'extra: is nested deeper than 16 levels (no event is)' },
  { name: 'a __proto__ key', json: () => withRaw(report(), '"__proto__":{"polluted":true}'), field: '__proto__', reason: 'schema', message: 'unknown field "__proto__"' },
]

const visitCases: BadCase[] = [
  { name: 'an unknown worker_role', json: () => JSON.stringify(visit({ worker_role: 'mayor' })), field: 'worker_role', reason: 'schema', message: `worker_role: must be one of ${WORKER_ROLES.join(', ')}` },
  { name: 'an unknown kind', json: () => JSON.stringify(visit({ kind: 'party' })), field: 'kind', reason: 'schema', message: `kind: must be one of ${VISIT_KINDS.join(', ')}` },
  { name: 'an unknown element of groups', json: () => JSON.stringify(visit({ groups: ['elderly', 'martian'] })), field: 'groups.1', reason: 'schema', message: `groups.1: must be one of ${GROUPS.join(', ')}` },
  { name: 'groups as a string', json: () => JSON.stringify(visit({ groups: 'elderly' })), field: 'groups', reason: 'schema', message: 'groups: must be an array (got a string)' },
  { name: 'no worker_role', json: () => JSON.stringify(omit(visit(), 'worker_role')), field: 'worker_role', reason: 'schema', message: 'worker_role: is required' },
  { name: 'no kind', json: () => JSON.stringify(omit(visit(), 'kind')), field: 'kind', reason: 'schema', message: 'kind: is required' },
  { name: 'kind set to null', json: () => JSON.stringify(visit({ kind: null })), field: 'kind', reason: 'schema', message: `kind: must be one of ${VISIT_KINDS.join(', ')} (got null)` },
  { name: 'an element of groups set to null', json: () => JSON.stringify(visit({ groups: ['elderly', null] })), field: 'groups.1', reason: 'schema', message: `groups.1: must be one of ${GROUPS.join(', ')} (got null)` },
  { name: 'duration_min past the safe integers', json: () => withRaw(visit(), '"duration_min":9007199254740993'), field: 'duration_min', reason: 'schema', message: 'duration_min: must be at most 1440' },
  { name: 'no household', json: () => JSON.stringify(omit(visit(), 'household')), field: 'household', reason: 'schema', message: 'household: is required' },
  { name: 'a negative duration_min', json: () => JSON.stringify(visit({ duration_min: -5 })), field: 'duration_min', reason: 'schema', message: /^duration_min: must be .*\b0\b/ },
  { name: 'follow_up as a string', json: () => JSON.stringify(visit({ follow_up: 'yes' })), field: 'follow_up', reason: 'schema', message: 'follow_up: must be true or false (got a string)' },
  { name: 'at without an offset', json: () => JSON.stringify(visit({ at: '2026-06-15 11:30:00' })), field: 'at', reason: 'schema', message: 'at: must be an ISO-8601 date-time with an offset, e.g. 2026-11-23T09:30:00+08:00' },
  { name: 'an unknown micro_grid', json: () => JSON.stringify(visit({ micro_grid: 'nowhere.m1' })), field: 'micro_grid', reason: 'unknown_micro_grid', message: 'micro_grid: unknown micro-grid "nowhere.m1"' },
  { name: 'a report sent as a visit', json: () => JSON.stringify(report()), field: 'worker_id', reason: 'schema', message: 'worker_id: is required' },
  { name: 'a row that is an array', json: () => JSON.stringify([visit()]), field: '', reason: 'schema', message: anObject },
]

/**
 * Checks one rejection against its case: index, field and reason exactly; the error starts
 * `row N: ` and names the field; with `wording`, also the message after the prefix.
 */
function expectRefused(r: Rejection | undefined, index: number, c: BadCase, wording = true): void {
  expect(r, `${c.name}: no rejection for row ${index}`).toBeDefined()
  const { error, ...rest } = r!
  expect(rest, c.name).toEqual({ index, field: c.field, reason: c.reason })
  const prefix = `row ${index}: `
  expect(error.startsWith(prefix), `${c.name}: "${error.slice(0, 200)}" should start with "${prefix}"`).toBe(true)
  const message = error.slice(prefix.length)
  if (c.field) expect(message.startsWith(`${c.field}: `) || message.includes(`"${c.field}"`), `${c.name}: "${error.slice(0, 200)}" should name ${c.field}`).toBe(true)
  if (!wording) return
  if (typeof c.message === 'string') expect(message, c.name).toBe(c.message)
  else expect(message, c.name).toMatch(c.message)
  if (c.maxErrorLength !== undefined) expect(error.length, `${c.name}: error of ${error.length} characters`).toBeLessThanOrEqual(c.maxErrorLength)
}

describe('one bad report between two good ones', () => {
  it.each(reportCases)('$name: refused by row and field, the good rows kept', (c) => {
    const before = report({ note: PERSONAL_NOTE })
    const after = report()
    const result = run(`[${JSON.stringify(before)},${c.json()},${JSON.stringify(after)}]`)
    const b = batchOf(result)
    expect(b.ids).toEqual([before.event_id, after.event_id])
    expect([...b.indexes]).toEqual([0, 2])
    expect(b.rejected).toHaveLength(1)
    expectRefused(b.rejected[0], 1, c)
    expect(b.lines.toString()).not.toContain(MOBILE)
  })
})

describe('one bad visit between two good ones', () => {
  it.each(visitCases)('$name: refused by row and field, the good rows kept', (c) => {
    const before = visit({ note: PERSONAL_NOTE })
    const after = visit()
    const b = batchOf(run(`[${JSON.stringify(before)},${c.json()},${JSON.stringify(after)}]`, { kind: 'visits' }))
    expect(b.ids).toEqual([before.event_id, after.event_id])
    expect([...b.indexes]).toEqual([0, 2])
    expect(b.rejected).toHaveLength(1)
    expectRefused(b.rejected[0], 1, c)
    expect(storedNotes(b, 'visits')[0]).toBe(`3栋门口飞线充电，业主电话${PHONE_MASK}，身份证${ID_MASK}`)
  })
})

describe('one mixed batch of every bad report, good rows between them', () => {
  /**
   * good, bad, good, bad, …, good, then: a malformed element, an exact resend of a good row
   * and the id of a good row reused for other content. Good rows sit on the edges of the
   * rules: exactly 10 minutes ahead, a 2,000-character note, a 64-character id, a surrogate
   * pair, a verified event without category, lat and lon together.
   */
  function mixed() {
    const goodEdges = [
      report({ at: local(NOW + 10 * MINUTE) }),
      report({ note: `${PERSONAL_NOTE}${'。'.repeat(2000 - PERSONAL_NOTE.length)}` }),
      report({ event_id: 'e'.repeat(63) + String(seq % 10) }),
      report({ note: `${PERSONAL_NOTE} 🔌` }),
      omit(report({ type: 'verified' }), 'category'),
      report({ lat: 30.78, lon: 104.15, severity: 3, department: '城管' }),
      report({ at: local(NOW - 4 * 365 * DAY), micro_grid: DAWAN_2 }),
    ]
    const rows: Array<{ json: string; good?: Record<string, unknown>; bad?: BadCase }> = []
    reportCases.forEach((c, i) => {
      const good = goodEdges[i] ?? report({ note: PERSONAL_NOTE })
      rows.push({ json: JSON.stringify(good), good })
      rows.push({ json: c.json(), bad: c })
    })
    const last = report({ note: PERSONAL_NOTE })
    rows.push({ json: JSON.stringify(last), good: last })
    const malformedAt = rows.length
    rows.push({ json: '{"event_id": tru}' })
    const resent = rows[0]!.good!
    const resendAt = rows.length
    rows.push({ json: JSON.stringify(resent) })
    const clashAt = rows.length
    rows.push({ json: JSON.stringify({ ...resent, category: 'sanitation' }) })
    return { rows, malformedAt, resendAt, clashAt, resent }
  }

  function checkMixed(b: ProcessedBatch, m: ReturnType<typeof mixed>, malformedError: RegExp) {
    const good = m.rows.flatMap((r, i) => (r.good ? [{ id: r.good.event_id as string, index: i }] : []))
    expect(b.ids).toEqual(good.map((g) => g.id))
    expect([...b.indexes]).toEqual(good.map((g) => g.index))
    expect(b.duplicates).toBe(1)
    const byIndex = new Map(b.rejected.map((r) => [r.index, r]))
    // The wording of each message is checked case by case above; here, where each one lands.
    m.rows.forEach((r, i) => {
      if (r.bad) expectRefused(byIndex.get(i), i, r.bad, false)
    })
    expect(byIndex.get(m.malformedAt)).toEqual({ index: m.malformedAt, field: '', reason: 'json', error: expect.stringMatching(malformedError) })
    expect(byIndex.get(m.clashAt)).toEqual({
      index: m.clashAt,
      field: 'event_id',
      reason: 'id_conflict',
      error: `row ${m.clashAt}: event_id: "${m.resent.event_id}" is used by row ${0} with different content`,
    })
    expect(byIndex.has(m.resendAt)).toBe(false)
    expect(b.rejected).toHaveLength(reportCases.length + 2)
    expect(b.rejected.map((r) => r.index)).toEqual([...b.rejected.map((r) => r.index)].sort((x, y) => x - y))
    // Each good row is stored once, as one line; notes redacted, in the lines and the ticker.
    const text = b.lines.toString('utf8')
    expect(text).not.toContain(MOBILE)
    expect(text).not.toContain(ID_CARD)
    const notes = storedNotes(b, 'reports')
    expect(notes).toHaveLength(good.length)
    const personal = notes.filter((n) => n.startsWith('3栋门口飞线充电'))
    expect(personal.length).toBeGreaterThanOrEqual(3)
    for (const n of personal) expect(n).toContain(`业主电话${PHONE_MASK}，身份证${ID_MASK}`)
    // One line per kept row, the last one ending the buffer.
    expect(lineEnds(b.lines)).toHaveLength(b.ids.length)
    expect(lineEnds(b.lines).at(-1)).toBe(b.lines.length)
    for (const t of b.ticker) {
      expect(t.note).not.toContain(MOBILE)
      expect(t.note).not.toContain(ID_CARD)
    }
    expect(b.ticker.some((t) => t.note.includes(PHONE_MASK))).toBe(true)
  }

  it('as a JSON array: names every bad row, keeps every good one, stores notes redacted', () => {
    const m = mixed()
    let result: ProcessResult | undefined
    expect(() => (result = run(`[\n${m.rows.map((r) => r.json).join(',\n')}\n]`))).not.toThrow()
    checkMixed(batchOf(result!), m, new RegExp(`^row ${m.malformedAt}: is not valid JSON: `))
  })

  it('as NDJSON with blank lines between rows: indexes count rows, errors count lines', () => {
    const m = mixed()
    // A blank line before the first row and after every third one: row i sits on line lineOf[i],
    // but is still row i.
    const lines: string[] = ['']
    const lineOf: number[] = []
    m.rows.forEach((r, i) => {
      lines.push(r.json)
      lineOf.push(lines.length)
      if (i % 3 === 2) lines.push('   ')
    })
    const result = run(lines.join('\r\n') + '\r\n', { ndjson: true })
    checkMixed(batchOf(result), m, new RegExp(`^row ${m.malformedAt}: line ${lineOf[m.malformedAt]} is not valid JSON: `))
  })
})

describe('NDJSON bodies', () => {
  it('fails a malformed line and a non-UTF-8 line alone, between good lines; blank lines are not rows', () => {
    const a = report()
    const b = report({ note: PERSONAL_NOTE })
    const c = report()
    const badUtf8 = Buffer.concat([Buffer.from('{"event_id":"X-1","note":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])
    const body = Buffer.concat([
      Buffer.from(`\n${JSON.stringify(a)}\n\n{oops, not json\n${JSON.stringify(b)}\n`), // lines 1–5
      badUtf8, // line 6
      Buffer.from(`\n\n${JSON.stringify(c)}\n`), // lines 7–8
    ])
    const batch = batchOf(run(body, { ndjson: true }))
    expect(batch.ids).toEqual([a.event_id, b.event_id, c.event_id])
    expect([...batch.indexes]).toEqual([0, 2, 4])
    expect(batch.rejected).toEqual([
      { index: 1, field: '', reason: 'json', error: expect.stringMatching(/^row 1: line 4 is not valid JSON: /) },
      { index: 3, field: '', reason: 'utf8', error: 'row 3: line 6 is not valid UTF-8 (byte 29 of the line)' },
    ])
    expect(batch.lines.toString()).not.toContain(MOBILE)
  })

  it('fails only the last row of an NDJSON body cut off mid-row', () => {
    const a = report()
    const b = report()
    const batch = batchOf(run(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n${JSON.stringify(report()).slice(0, 40)}`, { ndjson: true }))
    expect(batch.ids).toEqual([a.event_id, b.event_id])
    expect(batch.rejected).toEqual([{ index: 2, field: '', reason: 'json', error: expect.stringMatching(/^row 2: line 3 is not valid JSON: /) }])
  })

  it('takes a line of 100,000 nested arrays as one bad row, not a crash', () => {
    const a = report()
    let result: ProcessResult | undefined
    expect(() => (result = run(`${nestedArrays(100_000)}\n${JSON.stringify(a)}`, { ndjson: true }))).not.toThrow()
    const batch = batchOf(result!)
    expect(batch.ids).toEqual([a.event_id])
    expectRefused(batch.rejected[0], 0, { name: 'deep line', json: () => '', field: '', reason: 'schema', message: 'is nested deeper than 16 levels (no event is)' })
  })
})

describe('JSON bodies', () => {
  it('keeps the good elements of an array with one malformed element', () => {
    const a = report()
    const b = report()
    const batch = batchOf(run(`[${JSON.stringify(a)}, {"event_id": "x", "type": reported}, ${JSON.stringify(b)}]`))
    expect(batch.ids).toEqual([a.event_id, b.event_id])
    expect(batch.rejected).toEqual([{ index: 1, field: '', reason: 'json', error: expect.stringMatching(/^row 1: is not valid JSON: /) }])
  })

  it('refuses a body cut off mid-row as a whole (400), naming the row', () => {
    const body = `[${JSON.stringify(report())},${JSON.stringify(report())},${JSON.stringify(report())}]`
    const cutInString = wholeBody(run(body.slice(0, body.lastIndexOf('"micro_grid"') + 5)))
    expect(cutInString).toEqual({ status: 400, error: expect.stringMatching(/^body is not valid JSON: the body ends inside row 2 \(in a string\): cut off\?/) })
    const cutBetween = wholeBody(run(body.slice(0, body.lastIndexOf(',"micro_grid"'))))
    expect(cutBetween).toEqual({ status: 400, error: expect.stringMatching(/^body is not valid JSON: the body ends inside row 2: cut off\?/) })
    const single = wholeBody(run('{"event_id":"E-1","type":"repor'))
    expect(single).toEqual({ status: 400, error: expect.stringMatching(/^body is not valid JSON: .*position 31\b/) })
  })

  it('fails only the element of an array that is not UTF-8, naming the byte; a lone object that is not, as a whole (400)', () => {
    const good = report()
    const head = `[${JSON.stringify(good)},{"event_id":"`
    for (const bad of [[0xff, 0xfe], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe5, 0xa4]]) {
      const body = Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from('"}, '), Buffer.from(JSON.stringify(report({ event_id: 'E-after' }))), Buffer.from(']')])
      const batch = batchOf(run(body))
      expect(batch.ids).toEqual([good.event_id, 'E-after'])
      expect(batch.rejected).toEqual([{ index: 1, field: '', reason: 'utf8', error: `row 1: is not valid UTF-8 (byte ${Buffer.byteLength(head)} of the body)` }])
    }
    const single = Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xff]), Buffer.from('"}')])
    expect(wholeBody(run(single))).toEqual({ status: 400, error: 'body is not valid UTF-8 (byte 13)' })
  })

  it('takes a whole body of 100,000 nested arrays or objects as one bad row, not a crash', () => {
    let arrays: ProcessResult | undefined
    let objects: ProcessResult | undefined
    expect(() => (arrays = run(nestedArrays(100_000)))).not.toThrow()
    expect(() => (objects = run(nestedObjects(100_000)))).not.toThrow()
    const a = batchOf(arrays!)
    expect(a.ids).toEqual([])
    expectRefused(a.rejected[0], 0, { name: 'deep body', json: () => '', field: '', reason: 'schema', message: 'is nested deeper than 16 levels (no event is)' })
    const o = batchOf(objects!)
    expect(o.rejected).toEqual([{ index: 0, field: 'a', reason: 'schema', error: 'row 0: a: is nested deeper than 16 levels (no event is)' }])
  })

  it('never lets a __proto__ key reach the prototype of other objects', () => {
    const good = report()
    const b = batchOf(run(`[${withRaw(report(), '"__proto__":{"polluted":true,"event_id":"hijacked"}')},${JSON.stringify(good)}]`))
    expect(b.ids).toEqual([good.event_id])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })
})

describe('in-batch resends', () => {
  it('counts an exact resend as a duplicate, not a rejection', () => {
    const a = report({ note: PERSONAL_NOTE })
    const b = batchOf(run(JSON.stringify([a, report(), a])))
    expect(b.ids).toHaveLength(2)
    expect(b.ids[0]).toBe(a.event_id)
    expect(b.duplicates).toBe(1)
    expect(b.rejected).toEqual([])
  })

  it('counts the same instant in another offset as the same content', () => {
    const a = report({ at: '2026-06-15T11:30:00+08:00' })
    const b = batchOf(run(JSON.stringify([a, { ...a, at: '2026-06-15T03:30:00Z' }])))
    expect(b.duplicates).toBe(1)
    expect(b.rejected).toEqual([])
  })

  it('refuses an id reused for other content, naming the earlier row', () => {
    const a = report()
    const b = batchOf(run(JSON.stringify([a, report(), { ...a, severity: 2 }])))
    expect(b.ids).toHaveLength(2)
    expect(b.duplicates).toBe(0)
    expect(b.rejected).toEqual([{ index: 2, field: 'event_id', reason: 'id_conflict', error: `row 2: event_id: "${a.event_id}" is used by row 0 with different content` }])
  })
})

describe('whole-body limits', () => {
  it('answers 413 for more rows than maxBatchRows, in every body form', () => {
    const rows = [report(), report(), report()]
    const tooMany = { status: 413, error: 'more than 2 events in one request; split the batch' }
    expect(wholeBody(run(JSON.stringify(rows), { maxBatchRows: 2 }))).toEqual(tooMany)
    expect(wholeBody(run(rows.map((r) => JSON.stringify(r)).join('\n\n'), { ndjson: true, maxBatchRows: 2 }))).toEqual(tooMany)
    // An array with a malformed element takes the element-by-element path: still 413.
    expect(wholeBody(run(`[${JSON.stringify(rows[0])},{oops},${JSON.stringify(rows[1])}]`, { maxBatchRows: 2 }))).toEqual(tooMany)
    // Exactly the limit is fine.
    expect(batchOf(run(JSON.stringify(rows.slice(0, 2)), { maxBatchRows: 2 })).ids).toHaveLength(2)
  })

  it('answers 400 for a body with no events', () => {
    expect(wholeBody(run('[]'))).toEqual({ status: 400, error: 'body holds no events' })
    expect(wholeBody(run('  [ ]  '))).toEqual({ status: 400, error: 'body holds no events' })
    expect(wholeBody(run('\n  \r\n\n', { ndjson: true }))).toEqual({ status: 400, error: 'body holds no events' })
    expect(wholeBody(run('', { ndjson: true }))).toEqual({ status: 400, error: 'body holds no events' })
    const empty = wholeBody(run(''))
    expect(empty.status).toBe(400)
    expect(empty.error).toMatch(/^body /)
  })
})

describe('redaction of personal numbers in stored notes', () => {
  const forms: Array<[string, string, string]> = [
    ['a mobile number', '业主13800001234反映', MOBILE],
    ['a mobile number with dashes', '业主138-0000-1234反映', MOBILE],
    ['a mobile number with spaces and +86', '业主 +86 138 0000 1234 反映', MOBILE],
    ['a mobile number with +86 and no space', '业主+8613800001234反映', MOBILE],
    ['a mobile number with the 0086 prefix', '业主008613800001234反映', MOBILE],
    ['a mobile number in full-width digits', '业主１３８００００１２３４反映', MOBILE],
    ['an 18-digit ID-card number', '身份证510104199001011234登记', ID_CARD],
    ['an ID-card number ending in X', '身份证51010419900101123X登记', '51010419900101123'],
    ['an ID-card number written in groups', '身份证 510104 19900101 1234 登记', ID_CARD],
  ]

  it.each(forms)('masks %s in a report note and a visit note', (_name, note, secret) => {
    const digitsOf = (s: string) => s.normalize('NFKC').replace(/[^0-9]/g, '')
    const r = batchOf(run(JSON.stringify(report({ note }))))
    const v = batchOf(run(JSON.stringify(visit({ note })), { kind: 'visits' }))
    for (const [b, kind] of [[r, 'reports'], [v, 'visits']] as const) {
      expect(b.rejected).toEqual([])
      const [stored] = storedNotes(b, kind)
      expect(stored, `stored note "${stored}"`).not.toBe(note)
      expect(digitsOf(stored!), `stored note "${stored}"`).not.toContain(secret)
    }
    expect(r.ticker[0]!.note).toBe(storedNotes(r, 'reports')[0])
  })
})
