/**
 * Seeded randomness for the demo: a small fast PRNG and string/number hashes.
 *
 * Everything the demo generates must be a pure function of the seed (and of the day, the
 * household, the report…), so a replay gives the same event ids and exactly-once dedupe
 * downstream works. Math.random is therefore never used.
 */

/** 32-bit integer finaliser (murmur3 fmix32): spreads nearby inputs over the whole range. */
export function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

/** Combines 32-bit keys into one well-mixed 32-bit key (order matters). */
export function hashInts(...parts: number[]): number {
  let h = 0x9e3779b9
  for (const p of parts) h = mix32((h ^ mix32(p | 0)) + 0x7f4a7c15)
  return h
}

/** 32-bit FNV-1a of a string, finalised; good enough to key PRNG streams by name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return mix32(h)
}

/**
 * 53-bit string hash (cyrb53) as 14 hex digits. Used for pseudonymous ids, where a 32-bit
 * hash would collide among a few tens of thousands of households.
 */
export function hash53Hex(s: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed
  let h2 = 0x41c6ce57 ^ seed
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  const n = 4294967296 * (2097151 & h2) + (h1 >>> 0)
  return n.toString(16).padStart(14, '0')
}

/**
 * mulberry32: tiny, fast, statistically fine for simulation. Reseedable so hot loops (one
 * stream per household-week) reuse one instance instead of allocating.
 */
export class Rng {
  private s: number

  constructor(seed: number) {
    this.s = seed >>> 0
  }

  /** Restarts the stream from a new seed. */
  reseed(seed: number): this {
    this.s = seed >>> 0
    return this
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1))
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!
  }

  /** Standard normal (Box–Muller; the second value is dropped to keep the stream simple). */
  normal(): number {
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** Poisson count with mean `lambda`; normal approximation above 30 where it is accurate enough. */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * this.normal()))
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.next()
    while (p > limit) {
      k++
      p *= this.next()
    }
    return k
  }

  /** Fisher–Yates shuffle of a copy. */
  shuffled<T>(items: readonly T[]): T[] {
    const out = items.slice()
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const t = out[i]!
      out[i] = out[j]!
      out[j] = t
    }
    return out
  }
}

/** A weighted choice table: build once, draw many times in O(log n). */
export class Weighted<T> {
  private readonly cum: Float64Array
  readonly total: number

  constructor(
    readonly items: readonly T[],
    weights: readonly number[],
  ) {
    if (items.length === 0 || items.length !== weights.length) throw new Error('Weighted: items and weights must be non-empty and of equal length')
    this.cum = new Float64Array(weights.length)
    let acc = 0
    for (let i = 0; i < weights.length; i++) {
      acc += Math.max(0, weights[i]!)
      this.cum[i] = acc
    }
    if (!(acc > 0)) throw new Error('Weighted: weights must have a positive sum')
    this.total = acc
  }

  /** Index of the item a uniform `u` in [0, 1) falls on. */
  indexAt(u: number): number {
    const x = u * this.total
    let lo = 0
    let hi = this.cum.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cum[mid]! > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  draw(rng: Rng): T {
    return this.items[this.indexAt(rng.next())]!
  }

  /** Builds a table from a `{ item: weight }` record. */
  static of<K extends string>(table: Readonly<Record<K, number>>): Weighted<K> {
    const keys = Object.keys(table) as K[]
    return new Weighted(
      keys,
      keys.map((k) => table[k]),
    )
  }
}
