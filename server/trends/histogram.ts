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
  // A review reads dozens of histograms of hundreds of keys: flat arrays, no per-entry objects.
  let keys: number[] = []
  let counts: number[] = []
  let sorted = true
  const push = (k: Num, n: Num) => {
    const key = Number(k)
    const count = Number(n)
    if (!(count > 0 && key > 0)) return
    if (keys.length > 0 && key < keys[keys.length - 1]!) sorted = false
    keys.push(key)
    counts.push(count)
  }
  if (hist instanceof Map) for (const [k, n] of hist) push(k, n)
  else if (Array.isArray(hist)) hist[0].forEach((k, i) => push(k, hist[1][i]!))
  // Integer keys of a plain object are listed in ascending order: nothing to sort.
  else for (const k in hist) push(k, hist[k]!)
  if (!sorted) {
    const order = keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]!)
    ;[keys, counts] = [order.map((i) => keys[i]!), order.map((i) => counts[i]!)]
  }
  let total = 0
  for (const n of counts) total += n
  if (total === 0) return ps.map(() => NaN)
  /** The value at 0-based rank r in sorted order. */
  const at = (r: number) => {
    let seen = 0
    for (let i = 0; i < keys.length; i++) {
      seen += counts[i]!
      if (r < seen) return keyValue(keys[i]!)
    }
    return keyValue(keys[keys.length - 1]!)
  }
  return ps.map((p) => {
    const pos = (total - 1) * p
    const lo = Math.floor(pos)
    const a = at(lo)
    return a + (at(Math.ceil(pos)) - a) * (pos - lo)
  })
}
