/**
 * The hot path's pre-check (ingest/fast-check.ts) may only ever say "valid" for an event the
 * zod contract accepts: checked on plain valid events (where it must say yes, or it saves
 * nothing) and on thousands of seeded random mutations of them (tricky values, missing and
 * unknown keys), where it must never say yes to what zod refuses.
 * Fixture: a seeded PRNG (mulberry32, seed 42), one valid report and one valid visit.
 */
import { describe, expect, it } from 'vitest'
import { isPlainValidReport, isPlainValidVisit } from '../../ingest/fast-check.ts'
import { reportEventSchema, visitEventSchema } from '../../ingest/schema.ts'
import { seeded } from '../support/random.ts'

const report = { event_id: 'e-1', report_id: 'r-1', type: 'reported', at: '2026-11-24T09:30:00+08:00', micro_grid: 'a.b.c.g01.m01', category: 'clutter', channel: 'app', reporter_role: 'mobile_worker', lat: 30.8, lon: 104.2, severity: 2, department: '物业', note: '楼道堆放杂物' }
const visit = { event_id: 'v-1', at: '2026-11-24T09:30:00Z', micro_grid: 'a.b.c.g01.m01', worker_id: 'w-1', worker_role: 'family_doctor', household: 'h-1', groups: ['elderly', 'sick'], kind: 'home_medical', duration_min: 30, follow_up: true, note: '血压偏高' }

const TRICKY: unknown[] = [
  undefined, null, true, false, 0, -1, 1, 2, 3, 4, 2.5, -90.5, 90, 180, 181, 1440, 1441, Number.MAX_SAFE_INTEGER + 2, 1e400, -0,
  '', ' ', 'x', 'reported', 'closed', 'clutter', 'elderly', 'app', 'family_doctor', 'patrol', '\ud800', 'a\udc00b', '😀',
  'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(128), 'x'.repeat(129), 'x'.repeat(2000), 'x'.repeat(2001),
  '2026-02-29T10:00:00+08:00', '2028-02-29T10:00:00+08:00', '2026-11-24T24:00:00Z', '2026-11-24T09:30:00', '2026-11-24T09:30+0800', '2026-13-01T00:00:00Z',
  [], ['elderly'], ['elderly', 'elderly', 'child', 'sick', 'disabled', 'pregnant', 'returnee'], ['martian'], [1], {}, { a: 1 },
]

const rand = seeded(42)
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!

function mutate(base: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  const keys = Object.keys(base)
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const r = rand()
    if (r < 0.6) out[pick(keys)] = pick(TRICKY)
    else if (r < 0.85) delete out[pick(keys)]
    else out[pick(['mood', '__proto__', 'constructor', 'Event_id'])] = pick(TRICKY)
  }
  // JSON round trip, as the wire would carry it (undefined keys vanish, -0 becomes 0, 1e400 stays Infinity).
  return JSON.parse(JSON.stringify(out, (_k, v: unknown) => (v === Infinity ? '__inf__' : v)), (_k, v: unknown) => (v === '__inf__' ? Infinity : v)) as Record<string, unknown>
}

describe('the ingest fast pre-check', () => {
  it('passes plain valid events, so the hot path actually skips zod', () => {
    expect(isPlainValidReport(report)).toBe(true)
    expect(isPlainValidVisit(visit)).toBe(true)
    expect(isPlainValidReport({ event_id: 'e', report_id: 'r', type: 'verified', at: '2026-11-24T01:00:00Z', micro_grid: 'm' })).toBe(true)
  })

  it('never passes what the zod contract refuses, over 20,000 random mutations', () => {
    let fastYes = 0
    let zodNo = 0
    for (let i = 0; i < 10_000; i++) {
      for (const [base, fast, schema] of [
        [report, isPlainValidReport, reportEventSchema],
        [visit, isPlainValidVisit, visitEventSchema],
      ] as const) {
        const v = mutate(base)
        const ok = schema.safeParse(v).success
        if (!ok) zodNo++
        if (fast(v)) {
          fastYes++
          if (!ok) throw new Error(`the pre-check passed what zod refuses: ${JSON.stringify(v).slice(0, 300)}`)
        }
      }
    }
    // Both verdicts happened often enough for the property to mean something.
    expect(fastYes).toBeGreaterThan(1000)
    expect(zodNo).toBeGreaterThan(5000)
  })

  it('leaves the edge cases to zod', () => {
    expect(isPlainValidReport(JSON.parse('{"__proto__":{"x":1},"event_id":"e"}'))).toBe(false)
    expect(isPlainValidReport({ ...report, lat: undefined })).toBe(false)
    expect(isPlainValidVisit({ ...visit, duration_min: 1.5 })).toBe(false)
  })
})
