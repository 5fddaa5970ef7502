/**
 * A seeded PRNG for property tests (mulberry32): integer arithmetic only. The LCG the first tests
 * used, `(seed * 1103515245 + 12345) % 2 ** 31` in doubles, loses precision past 2^53 and falls
 * into a cycle of ~16k values, so "100,000 random cases" were far fewer distinct ones.
 */
export function seeded(seed: number): () => number {
  let s = seed | 0
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}
