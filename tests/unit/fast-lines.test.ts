/**
 * The ingest hot path (ingest/fast-lines.ts) may only ever answer with what the general path
 * (JSON.parse → zod → rows.ts → JSON.stringify) makes of the same line: the same stored bytes,
 * hash, verdicts and ticker items, or no answer at all. Each NDJSON batch below is processed by
 * `processBody` with the hot path (falling back line by line), without it (`hotPath: false`),
 * and as a JSON array of the same rows (never the hot path); everything must agree. The rows are seeded random events and
 * mutations of them, spelt in the ways JSON allows (escapes, whitespace, key order, number forms)
 * and in ways it doesn't. Fixture: the demo registry of the default seed; a key scoped to
 * street:qingbaijiang.dawan; received at 2026-06-15T12:00:00+08:00; a PRNG of seed 20261207 (mulberry32).
 */
import { describe, expect, it } from 'vitest'
import { contentHash, fastLines, LineBuffer, parseInstant } from '../../ingest/fast-lines.ts'
import { processBody, type ProcessResult } from '../../ingest/process.ts'
import { mayHoldNumbers, redact } from '../../ingest/redact.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { Registry } from '../../ingest/registry/registry.ts'
import { fnv1a } from '../../ingest/rows.ts'
import { CATEGORIES, CHANNELS, GROUPS, isInstant, REPORTER_ROLES, REPORT_TYPES, VISIT_KINDS, WORKER_ROLES, type EventKind } from '../../ingest/schema.ts'
import { loadConfig } from '../../server/config.ts'
import type { Scope } from '../../server/contracts/live.ts'
import { seeded } from '../support/random.ts'

const places = demoRegistry(loadConfig({}, {}).demoSeed)
const registry = new Registry(places)
const microGrids = places.filter((p) => p.level === 'micro_grid').map((p) => p.code)
const DAWAN = microGrids.filter((c) => c.startsWith('qingbaijiang.dawan.'))
const ELSEWHERE = microGrids.find((c) => c.startsWith('wenjiang.'))!
const SCOPE: Scope = 'street:qingbaijiang.dawan'
const NOW = Date.parse('2026-06-15T12:00:00+08:00')

const rand = seeded(20261207)
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!
const chance = (p: number) => rand() < p

/** Mostly a plain value, sometimes an edge. */
const mostly = <T,>(plain: () => T, edges: readonly T[]): T => (chance(0.85) ? plain() : pick(edges))
const NOTES = ['楼道堆放杂物，影响通行', '3栋2单元门口飞线充电', '😀 emoji 𠀀 and ascii', '']
const NOTE_EDGES = ['业主电话13800001234', '身份证 510104199001011234', '电话 028-87654321', '１３８００００１２３４', 'a "quoted" word', 'tab\there', 'x'.repeat(2000), 'x'.repeat(2001), 'é'.repeat(1999) + '😀', 'del\u007f', 'rtl \u202e here', 'c1 \u0085']
const IDS = () => mostly(() => pick([`E-${Math.floor(rand() * 1e6)}`, `事件-${Math.floor(rand() * 100)}`, 'dup-1', 'dup-2']), ['😀'.repeat(32), '😀'.repeat(33), 'x'.repeat(64), 'x'.repeat(65), '', 'E-\u007f1', 'E-\u00851', 'E-\u202e1', 'E-\u20681', 'E-\u00a01'])

/** `at` in the forms the contract allows and a few it doesn't; mostly within the last days. */
function at(): string {
  const ms = NOW - Math.floor(rand() * 30 * 86_400_000) + pick([0, 0, 0, 20 * 60_000, -6 * 366 * 86_400_000])
  const iso = new Date(ms).toISOString()
  return mostly(
    () =>
      pick([
        iso,
        iso.replace(/\.\d{3}Z/, 'Z'),
        new Date(ms + 8 * 3_600_000).toISOString().replace('Z', '+08:00'),
        new Date(ms + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z/, '+0800'),
        new Date(ms - 5.5 * 3_600_000).toISOString().replace(/:\d{2}\.\d{3}Z/, '-05:30'),
        iso.replace(/\.(\d{3})Z/, '.$1456Z'),
        iso.replace(/\.\d{3}Z/, '.5Z'),
      ]),
    [iso.replace('Z', ''), iso.replace('T', ' '), '2026-02-29T10:00:00+08:00', '2026-06-15T24:00:00Z'],
  )
}

function report(): Record<string, unknown> {
  const r: Record<string, unknown> = { event_id: IDS(), report_id: IDS(), type: pick(REPORT_TYPES), at: at(), micro_grid: chance(0.9) ? pick(DAWAN) : pick([ELSEWHERE, 'nowhere.m1']) }
  if ((r.type === 'reported' && chance(0.95)) || chance(0.5)) r.category = pick(CATEGORIES)
  if (chance(0.7)) r.channel = pick(CHANNELS)
  if (chance(0.7)) r.reporter_role = pick(REPORTER_ROLES)
  if (chance(0.5)) {
    r.lat = mostly(() => pick([30.8, 30.65, -90, 90, 0, 30.123456789012345, -0.5]), [91, -90.0001])
    r.lon = mostly(() => pick([104.2, 104.06, 180, -180, 0, 1e-7]), [181])
    if (chance(0.05)) delete r[pick(['lat', 'lon'])]
  }
  if (chance(0.5)) r.severity = mostly(() => pick([1, 2, 3]), [0, 4, 2.5])
  if (chance(0.3)) r.department = mostly(() => pick(['物业', '', '城管']), ['城管 "A"', 'x'.repeat(129), '城管\u007f', '城管\u202e'])
  if (chance(0.7)) r.note = mostly(() => pick(NOTES), NOTE_EDGES)
  return r
}

function visit(): Record<string, unknown> {
  const v: Record<string, unknown> = {
    event_id: IDS(),
    at: at(),
    micro_grid: chance(0.9) ? pick(DAWAN) : ELSEWHERE,
    worker_id: mostly(() => pick(['W-1', '网格员-7']), ['', 'x'.repeat(65)]),
    worker_role: pick(WORKER_ROLES),
    household: pick(['H-1', '户-9']),
    groups: Array.from({ length: Math.floor(rand() * 4) }, () => pick(GROUPS)),
    kind: pick(VISIT_KINDS),
  }
  if (chance(0.5)) v.duration_min = mostly(() => pick([0, 30, 1440, 15]), [1441, -1, 1.5])
  if (chance(0.5)) v.follow_up = chance(0.5)
  if (chance(0.5)) v.note = mostly(() => pick(NOTES), NOTE_EDGES)
  return v
}

/** A value spelt another way JSON allows, or broken. */
const TRICKY: unknown[] = [null, true, false, 0, -1, 2.5, 1e400, '', 'x', 'reported', [], {}, ['elderly', 'elderly'], '\ud800', 'a\udc00b']

function mutate(o: Record<string, unknown>): Record<string, unknown> {
  const out = { ...o }
  const keys = Object.keys(o)
  if (chance(0.3)) out[pick(keys)] = pick(TRICKY)
  if (chance(0.1)) delete out[pick(keys)]
  if (chance(0.05)) out[pick(['mood', '__proto__', 'Event_id'])] = 1
  return out
}

/** One JSON text of a value, in one of the spellings JSON allows (on one line). */
function spell(v: unknown, top = true): string {
  if (v === Infinity) return '1e400'
  if (typeof v === 'number') {
    if (Number.isInteger(v) && chance(0.1)) return pick([`${v}.0`, `${v}e0`, `${v * 10}E-1`])
    return JSON.stringify(v)
  }
  if (typeof v === 'string') {
    const s = JSON.stringify(v)
    if (chance(0.05)) return s.replace(/x/g, '\\u0078').replace(/\//g, '\\/')
    if (chance(0.05) && v.length > 0) return `"\\u${v.charCodeAt(0).toString(16).padStart(4, '0')}${s.slice(2)}`
    return s
  }
  const ws = () => (chance(0.9) ? '' : pick([' ', '\t', '  ', '\r', ' \t ']))
  if (Array.isArray(v)) return `[${ws()}${v.map((x) => spell(x, false)).join(`${ws()},${ws()}`)}${ws()}]`
  if (v && typeof v === 'object') {
    let entries = Object.entries(v)
    if (chance(0.3)) entries = entries.sort(() => rand() - 0.5)
    // A repeated key: JSON.parse keeps the last value.
    if (chance(0.05) && entries.length > 0) entries.splice(Math.floor(rand() * entries.length), 0, [pick(entries)[0], pick(TRICKY.concat(['reported', 'x', 3, 'elderly']))])
    const body = entries.map(([k, x]) => `${ws()}${JSON.stringify(k)}${ws()}:${ws()}${spell(x, false)}`).join(`${ws()},`)
    return `${top ? ws() : ''}{${body}${ws()}}${top ? ws() : ''}`
  }
  return JSON.stringify(v)
}

/** Whether the hot path makes a stored line of `b` (one line): scanned, placed, and written. */
function answers(kind: EventKind, b: Buffer): boolean {
  const lines = fastLines(kind)
  const r = lines.scan(b, 0, b.length)
  const path = r && registry.microGridPath(r.microGrid)
  return !!r && !!path && lines.write(new LineBuffer(1024), path, r.at, Buffer.from(',"2026-06-15 04:00:00.000","t",')) >= 0
}

function run(kind: EventKind, body: string, ndjson: boolean, hotPath = true): ProcessResult {
  return processBody({ kind, body: Buffer.from(body), ndjson, source: { name: 'fast-lines-test', scope: SCOPE }, receivedAt: NOW, maxBatchRows: 10_000, hotPath }, registry)
}

/** processBody's answer as plain data: the lines as text; the rows' index left out (its size follows the request's bound). */
function plain(r: ProcessResult) {
  if (!r.ok) return r
  const { index: _index, ...batch } = r.batch
  return { ...batch, lines: batch.lines.toString('utf8') }
}

describe('the ingest hot path', () => {
  for (const kind of ['reports', 'visits'] as const) {
    it(`stores exactly what the general path stores, for 3,000 random ${kind} in batches, valid or not`, () => {
      let taken = 0
      let lines = 0
      for (let batch = 0; batch < 60; batch++) {
        const rows = Array.from({ length: 50 }, () => {
          const e = kind === 'reports' ? report() : visit()
          return chance(0.2) ? mutate(e) : e
        })
        const texts = rows.map((r) => spell(r))
        const ndjson = plain(run(kind, texts.join('\n'), true))
        expect(ndjson).toEqual(plain(run(kind, texts.join('\n'), true, false)))
        expect(ndjson).toEqual(plain(run(kind, `[${texts.join(',')}]`, false)))
        // The hot path took the plainly valid rows, or this compares the general path with itself.
        for (const t of texts) {
          lines++
          if (answers(kind, Buffer.from(t))) taken++
        }
      }
      expect(taken / lines).toBeGreaterThan(0.25)
    })
  }

  it('never answers for a line that is not JSON: bytes dropped, added or cut from valid lines', () => {
    const breaks = [
      (t: string, i: number) => t.slice(0, i) + t.slice(i + 1),
      (t: string, i: number) => t.slice(0, i) + pick(['"', '\\', '\t', '\u0001', '}', ',', ':', '{', '[', ' ', '\u0000']) + t.slice(i),
      (t: string, i: number) => t.slice(0, i),
      (t: string) => t + pick(['}', ',', 'x', '{}', ']', '"', ' 1']),
      (t: string) => t.replace(/("(?:lat|lon|severity|duration_min)"\s*:\s*)-?\d[\d.eE+-]*/, (_m, p: string) => p + pick(['1.', '1e', '1e+', '-', '01', '.5', '+1', '1.e5', '--1', '1ee2'])),
    ]
    let broken = 0
    for (let n = 0; n < 4_000; n++) {
      const kind = chance(0.5) ? 'reports' : 'visits'
      const t = spell(kind === 'reports' ? report() : visit())
      const bad = pick(breaks)(t, Math.floor(rand() * t.length))
      const b = Buffer.from(bad)
      let json = true
      try {
        JSON.parse(bad)
      } catch {
        json = false
      }
      expect(plain(run(kind, bad, true))).toEqual(plain(run(kind, bad, true, false)))
      if (!json) {
        broken++
        expect(answers(kind, b), bad).toBe(false)
      }
    }
    expect(broken).toBeGreaterThan(2_000)
  })

  it('reads the same body alike every time it is given one, escapes and all', () => {
    const body = Buffer.from([JSON.stringify({ event_id: 'E-esc', report_id: 'R-esc', type: 'verified', at: new Date(NOW).toISOString(), micro_grid: DAWAN[0] }).replace('R-esc', 'R-\\u0065sc'), JSON.stringify({ event_id: 'E-plain', report_id: 'R-plain', type: 'verified', at: new Date(NOW).toISOString(), micro_grid: DAWAN[1] })].join('\n'))
    const once = plain(processBody({ kind: 'reports', body, ndjson: true, source: { name: 'fast-lines-test', scope: SCOPE }, receivedAt: NOW, maxBatchRows: 10 }, registry))
    const again = plain(processBody({ kind: 'reports', body, ndjson: true, source: { name: 'fast-lines-test', scope: SCOPE }, receivedAt: NOW, maxBatchRows: 10 }, registry))
    expect(again).toEqual(once)
    expect(once).toEqual(plain(run('reports', body.toString(), true, false)))
    expect('lines' in once && once.lines).toContain('"R-esc"')
  })

  it('takes the plain rows of a big batch, and stores them as the general path does', () => {
    const rows = Array.from({ length: 2_000 }, (_, i) => ({ event_id: `E-${i}`, report_id: `R-${i >> 1}`, type: i % 2 ? 'closed' : 'reported', at: new Date(NOW - i * 60_000).toISOString(), micro_grid: DAWAN[i % DAWAN.length]!, category: CATEGORIES[i % CATEGORIES.length], channel: 'app', reporter_role: 'grid_worker', severity: 1, note: '楼道堆放杂物，影响通行' }))
    const texts = rows.map((r) => JSON.stringify(r))
    for (const t of texts) expect(answers('reports', Buffer.from(t))).toBe(true)
    expect(plain(run('reports', texts.join('\n'), true))).toEqual(plain(run('reports', JSON.stringify(rows), false)))
  })

  it('leaves to the general path a note that may hold a personal number, which is then redacted', () => {
    for (const note of ['业主电话13800001234', '身份证510104199001011234', '１３８００００１２３４', '电话 028-87654321']) {
      const b = Buffer.from(note)
      expect(mayHoldNumbers(b, 0, b.length), note).toBe(true)
      expect(redact(note)).not.toBe(note)
      const line = JSON.stringify({ event_id: 'E-1', report_id: 'R-1', type: 'reported', at: new Date(NOW).toISOString(), micro_grid: DAWAN[0], category: 'clutter', note })
      expect(answers('reports', Buffer.from(line))).toBe(false)
      const r = run('reports', line, true)
      expect(r.ok && r.batch.lines.toString()).not.toContain(note)
    }
    for (const note of ['3栋2单元', '楼道堆放杂物', '2号楼 3 层']) expect(mayHoldNumbers(Buffer.from(note), 0, Buffer.byteLength(note))).toBe(false)
  })

  it('reads instants as Date.parse does, where the contract accepts them, and refuses the rest', () => {
    let valid = 0
    const d2 = (n: number) => String(Math.floor(rand() * n)).padStart(2, '0')
    for (let i = 0; i < 50_000; i++) {
      const s = `${pick(['2026', '2024', '2000', '1900', '0000', '9999', '1969'])}-${pick(['01', '02', '12', '13', '00', d2(13)])}-${pick(['01', '28', '29', '30', '31', '32', d2(32)])}${pick(['T', 'T', 't', ' '])}${pick(['00', '23', '24', d2(24)])}:${pick(['00', '59', '60', d2(60)])}${pick(['', ':00', ':59', ':60', ':5', ':30.5', ':30.123', ':30.1234567', ':30.1234567890', ':30.'])}${pick(['Z', 'z', '+08:00', '-05:30', '+0800', '+24:00', '+23:59', '+08:60', '+8:00', '+08', '', 'Z ', '+14:00', '+1400', '+14:01', '-12:00', '-12:01', '-1201', '+13:45', '-00:00'])}`
      const want = isInstant(s) ? Date.parse(s) : NaN
      if (!Number.isNaN(want)) valid++
      expect(parseInstant(Buffer.from(s, 'latin1'), 0, s.length), s).toBe(want)
    }
    expect(valid).toBeGreaterThan(1000)
  })

  it('hashes content exactly as the general path, and refuses a control character', () => {
    for (const s of ['', 'ascii', '楼道堆放杂物', '😀𠀀', 'é and ü', '["E-1","x",null,1]']) expect(contentHash(Buffer.from(s), 0, Buffer.byteLength(s))).toBe(fnv1a(s))
    for (const s of ['a\tb', 'a\u007fb', 'a\u0085b', 'a\u009fb', 'a\u202ab', 'a\u202eb', 'a\u2066b', 'a\u2069b']) expect(contentHash(Buffer.from(s), 0, Buffer.byteLength(s)), JSON.stringify(s)).toBe(-1)
    for (const s of ['a\u00a0b', 'a\u2029b', 'a\u2065b', 'a\u206ab', '\u4e00']) expect(contentHash(Buffer.from(s), 0, Buffer.byteLength(s)), JSON.stringify(s)).toBe(fnv1a(s))
  })
})
