/**
 * The measures of the monthly review, defined once for the trends page, the rankings and the
 * monthly pack (PDF, XLSX, CSV): what each rate divides, which way is better, and the fair
 * ranking rule. Pure functions only: the dashboard imports this file as a value (like
 * `parseScope`), so it must not import anything server-side.
 */
import type { PeriodFigures, TrendsUnit } from './trends.ts'

export type MeasureKey =
  | 'reportedPer100'
  | 'onTimeClosure'
  | 'reworkRate'
  | 'extensionRate'
  | 'resolveP50'
  | 'verifyP50'
  | 'coverage'
  | 'mobileShare'

export interface Measure {
  key: MeasureKey
  /** true: more is better; false: less is better; null: neither (volume). */
  higherIsBetter: boolean | null
  /** 'rate' (0…1), 'minutes' or 'number'. */
  unit: 'rate' | 'minutes' | 'number'
  /** The figure, or undefined when its base is empty (no closures, no key households, …). */
  value(f: PeriodFigures): number | undefined
  /** How many cases the figure rests on: a unit below RANKING_MIN_VOLUME of them is not ranked. */
  volume(f: PeriodFigures): number
}

const ratio = (n: number, d: number) => (d > 0 ? n / d : undefined)

export const MEASURES: Record<MeasureKey, Measure> = {
  reportedPer100: { key: 'reportedPer100', higherIsBetter: null, unit: 'number', value: (f) => ratio(f.reported * 100, f.households), volume: (f) => f.households },
  onTimeClosure: { key: 'onTimeClosure', higherIsBetter: true, unit: 'rate', value: (f) => ratio(f.closedOnTime, f.closed), volume: (f) => f.closed },
  reworkRate: { key: 'reworkRate', higherIsBetter: false, unit: 'rate', value: (f) => ratio(f.reopened, f.closed), volume: (f) => f.closed },
  extensionRate: { key: 'extensionRate', higherIsBetter: false, unit: 'rate', value: (f) => ratio(f.overran, f.resolved), volume: (f) => f.resolved },
  resolveP50: { key: 'resolveP50', higherIsBetter: false, unit: 'minutes', value: (f) => f.resolveP50, volume: (f) => f.resolved },
  verifyP50: { key: 'verifyP50', higherIsBetter: false, unit: 'minutes', value: (f) => f.verifyP50, volume: (f) => f.verified },
  coverage: { key: 'coverage', higherIsBetter: true, unit: 'rate', value: (f) => (f.keyHouseholds > 0 ? Math.min(1, f.visited / f.keyHouseholds) : undefined), volume: (f) => f.keyHouseholds },
  mobileShare: { key: 'mobileShare', higherIsBetter: null, unit: 'rate', value: (f) => ratio(f.mobile, f.reported), volume: (f) => f.reported },
}

/** Cases a unit needs in the month to be ranked on a measure (one quick fix is no record). */
export const RANKING_MIN_VOLUME = 5

/** Relative change from `base` to `now` (0.12 = +12%), or undefined without a base to compare. */
export function change(now: number | undefined, base: number | undefined): number | undefined {
  if (now === undefined || base === undefined || base === 0) return undefined
  return (now - base) / base
}

/**
 * 环比/同比 the way a bulletin reads them: a rate changes in percentage points (按期结案率提高
 * 1.5个百分点, returned as 0.015), anything else relatively (0.12 = +12%). Undefined without a base.
 */
export function compare(unit: Measure['unit'], now: number | undefined, base: number | undefined): number | undefined {
  if (unit === 'rate') return now === undefined || base === undefined ? undefined : now - base
  return change(now, base)
}

export interface RankedUnit {
  unit: TrendsUnit
  value: number | undefined
  /** The same measure last month, and the change (`compare`: points for a rate). */
  previous: number | undefined
  change: number | undefined
  /** 1 = best; shared by equal values; undefined below the minimum volume or without a value. */
  rank: number | undefined
}

/**
 * The units ranked on one measure for the last month: best first (for a volume measure, most
 * first), units below the minimum volume after them, unranked. Volumes come per 100 households
 * already (reportedPer100), so a big unit does not win by size.
 */
export function rankUnits(units: readonly TrendsUnit[], key: MeasureKey, minVolume = RANKING_MIN_VOLUME): RankedUnit[] {
  const m = MEASURES[key]
  const rows = units.map((unit) => {
    const value = m.value(unit.month)
    const previous = m.value(unit.previous)
    return { unit, value, previous, change: compare(m.unit, value, previous), eligible: value !== undefined && m.volume(unit.month) >= minVolume }
  })
  const better = m.higherIsBetter === false ? (a: number, b: number) => a - b : (a: number, b: number) => b - a
  const ranked = rows.filter((r) => r.eligible).sort((a, b) => better(a.value!, b.value!) || a.unit.code.localeCompare(b.unit.code))
  const rest = rows.filter((r) => !r.eligible).sort((a, b) => a.unit.code.localeCompare(b.unit.code))
  let prev: number | undefined
  let prevRank = 0
  const out: RankedUnit[] = ranked.map((r, i) => {
    const rank = prev !== undefined && prev === r.value ? prevRank : i + 1
    prev = r.value
    prevRank = rank
    return { unit: r.unit, value: r.value, previous: r.previous, change: r.change, rank }
  })
  return [...out, ...rest.map((r) => ({ unit: r.unit, value: r.value, previous: r.previous, change: r.change, rank: undefined }))]
}
