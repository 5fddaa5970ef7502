/**
 * The duration histograms of the review rollups (migration 008): minutes from reported are kept
 * by key — 0: no duration; 1: under HIST_BASE (6 seconds, or negative from a skewed clock);
 * k ≥ 2: [HIST_BASE·γ^(k-2), HIST_BASE·γ^(k-1)). Keys are counts, so histograms of months and
 * units add up exactly; a percentile read from them is within (γ-1)/(γ+1) < 1% of the exact one.
 * trends_fold_reports.sql computes the keys with these two constants, bound as parameters.
 */
export const HIST_BASE = 0.1
export const HIST_GAMMA = 1.02

/** The value a key stands for: the middle of its interval (0 for key 1). */
export function keyValue(key: number): number {
  if (key <= 1) return 0
  return HIST_BASE * HIST_GAMMA ** (key - 2) * ((1 + HIST_GAMMA) / 2)
}

/** The key of `minutes`, as the fold computes it (for tests). */
export function keyOf(minutes: number): number {
  if (minutes < HIST_BASE) return 1
  return Math.min(65535, 2 + Math.floor(Math.log(minutes / HIST_BASE) / Math.log(HIST_GAMMA)))
}

type Num = number | string
/**
 * Percentiles of a histogram, read like the engine's exact quantiles (linear between the two
 * neighbouring values at rank (n-1)·p), each value standing for its key's middle.
 */
export function histQuantiles(hist: Record<string, Num> | Map<number, Num> | [Num[], Num[]], ps: number[]): number[] {
  const entries: Array<[number, number]> = []
  const push = (k: Num, n: Num) => Number(n) > 0 && Number(k) > 0 && entries.push([Number(k), Number(n)])
  if (hist instanceof Map) for (const [k, n] of hist) push(k, n)
  else if (Array.isArray(hist)) hist[0].forEach((k, i) => push(k, hist[1][i]!))
  else for (const [k, n] of Object.entries(hist)) push(k, n)
  entries.sort((a, b) => a[0] - b[0])
  const total = entries.reduce((s, [, n]) => s + n, 0)
  if (total === 0) return ps.map(() => NaN)
  /** The value at 0-based rank r in sorted order. */
  const at = (r: number) => {
    let seen = 0
    for (const [k, n] of entries) {
      seen += n
      if (r < seen) return keyValue(k)
    }
    return keyValue(entries[entries.length - 1]![0])
  }
  return ps.map((p) => {
    const pos = (total - 1) * p
    const lo = Math.floor(pos)
    const a = at(lo)
    return a + (at(Math.ceil(pos)) - a) * (pos - lo)
  })
}
