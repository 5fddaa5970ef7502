/**
 * The rollups' duration histograms (server/trends/histogram.ts): percentiles read from them are
 * within 1% of the exact ones (linear between neighbours, like the engine's exact quantiles),
 * for durations from 6 seconds to a year, and histograms of parts add up to the whole's.
 * Fixture: 500 cases from a seeded PRNG (seed 7), durations log-uniform (every scale as likely).
 */
import { describe, expect, it } from 'vitest'
import { Rng } from '../../ingest/simulator/random.ts'
import { HIST_BASE, histQuantiles, keyOf, keyValue } from '../../server/trends/histogram.ts'

function exact(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  const pos = (s.length - 1) * p
  const lo = Math.floor(pos)
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo)
}

function histOf(values: number[]): Map<number, number> {
  const h = new Map<number, number>()
  for (const v of values) h.set(keyOf(v), (h.get(keyOf(v)) ?? 0) + 1)
  return h
}

const rng = new Rng(7)
/** Minutes, log-uniform from HIST_BASE to a year. */
const minutes = () => HIST_BASE * Math.exp(rng.next() * Math.log(525_600 / HIST_BASE))
const sample = (lo: number, hi: number) => Array.from({ length: rng.int(lo, hi) }, minutes)
const CASES = 500

describe('duration histograms', () => {
  it('put every duration in a key whose middle is within 1% of it', () => {
    for (let i = 0; i < CASES * 10; i++) {
      const m = minutes()
      expect(Math.abs(keyValue(keyOf(m)) - m) / m, String(m)).toBeLessThan(0.01)
    }
  })

  it('give p50 and p90 within 1% of the exact percentiles', () => {
    for (let c = 0; c < CASES; c++) {
      const values = sample(1, 200)
      const got = histQuantiles(histOf(values), [0.5, 0.9])
      ;[0.5, 0.9].forEach((p, i) => {
        const want = exact(values, p)
        expect(Math.abs(got[i]! - want), `${values.length} values, p${p * 100}`).toBeLessThanOrEqual(want * 0.01)
      })
    }
  })

  it('read the same from parts added up as from the whole (months and units sum)', () => {
    for (let c = 0; c < CASES; c++) {
      const [a, b] = [sample(1, 100), sample(0, 100)]
      const sum: Record<string, number> = {}
      for (const h of [histOf(a), histOf(b)]) for (const [k, n] of h) sum[k] = (sum[k] ?? 0) + n
      expect(histQuantiles(sum, [0.5, 0.9])).toEqual(histQuantiles(histOf([...a, ...b]), [0.5, 0.9]))
    }
  })

  it('ignore keys cancelled to zero and the no-duration key, and give NaN for no durations', () => {
    expect(histQuantiles({ '0': 5, [keyOf(10)]: 0 }, [0.5])).toEqual([NaN])
    expect(histQuantiles([[0, keyOf(10)], [3, 1]], [0.5])[0]).toBeCloseTo(10, 0)
    expect(keyOf(0.01)).toBe(1)
    expect(keyValue(1)).toBe(0)
  })
})
