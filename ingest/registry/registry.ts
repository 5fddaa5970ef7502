/**
 * The place registry in memory: lookups by code, the path up the tree, children.
 * Built from `Place[]` (the store's `places` table or the demo generator).
 */
import type { Place, PlaceLevel } from '../../server/contracts/registry.ts'

/** The places above a micro-grid, copied into every event row at ingest. */
export interface MicroGridPath {
  micro_grid: string
  grid: string
  community: string
  street: string
  district: string
}

export class Registry {
  readonly byCode = new Map<string, Place>()
  readonly childrenOf = new Map<string, Place[]>()
  readonly city: Place | undefined
  private readonly paths = new Map<string, MicroGridPath>()

  constructor(readonly places: readonly Place[]) {
    for (const p of places) this.byCode.set(p.code, p)
    for (const p of places) {
      if (p.level === 'city') continue
      const list = this.childrenOf.get(p.parent)
      if (list) list.push(p)
      else this.childrenOf.set(p.parent, [p])
    }
    this.city = places.find((p) => p.level === 'city')
    for (const p of places) {
      if (p.level !== 'micro_grid') continue
      const up = this.ancestors(p.code)
      const at = (level: PlaceLevel) => up.find((a) => a.level === level)?.code ?? ''
      this.paths.set(p.code, { micro_grid: p.code, grid: at('grid'), community: at('community'), street: at('street'), district: at('district') })
    }
  }

  get size(): number {
    return this.places.length
  }

  /** The place itself and every ancestor, innermost first. */
  ancestors(code: string): Place[] {
    const out: Place[] = []
    let p = this.byCode.get(code)
    while (p) {
      out.push(p)
      if (!p.parent) break
      p = this.byCode.get(p.parent)
    }
    return out
  }

  children(code: string): readonly Place[] {
    return this.childrenOf.get(code) ?? []
  }

  /** The micro-grid's place path, or undefined when the code is not a known micro-grid. */
  microGridPath(code: string): MicroGridPath | undefined {
    return this.paths.get(code)
  }

  /** "大弯街道 · 团结路社区 · 第3网格" for a micro-grid (street and below). */
  displayPath(code: string, lang: 'zh' | 'en'): string {
    const up = this.ancestors(code).filter((p) => p.level === 'street' || p.level === 'community' || p.level === 'grid')
    return up
      .reverse()
      .map((p) => (lang === 'zh' ? p.name : p.nameEn))
      .join(' · ')
  }
}
