/**
 * The figures of the trends page's KPI strip and year-to-date block, defined on top of the
 * shared measures (@contracts/trendMeasures) so the page, the rankings and the monthly pack
 * divide the same things. Only the two figures that are not ranking measures (the volume of
 * reports, the P90 of resolution) are added here.
 */
import type { PeriodFigures } from '@contracts/trends'
import { MEASURES, compare, type MeasureKey } from '@contracts/trendMeasures'

export type KpiKey = 'reported' | 'onTimeClosure' | 'reworkRate' | 'extensionRate' | 'resolveP50' | 'resolveP90' | 'verifyP50' | 'coverage' | 'mobileShare'

export type FigureUnit = 'rate' | 'minutes' | 'number'

export interface KpiDef {
  key: KpiKey
  unit: FigureUnit
  /** true: more is better; false: less is better; null: neither. Colours the changes. */
  higherIsBetter: boolean | null
  value(f: PeriodFigures): number | undefined
}

const fromMeasure = (key: MeasureKey & KpiKey): KpiDef => {
  const m = MEASURES[key]
  return { key, unit: m.unit, higherIsBetter: m.higherIsBetter, value: m.value }
}

/** In the order the strip shows them: volume, closure quality, speed, visits, sources. */
export const KPIS: readonly KpiDef[] = [
  { key: 'reported', unit: 'number', higherIsBetter: null, value: (f) => f.reported },
  fromMeasure('onTimeClosure'),
  fromMeasure('reworkRate'),
  fromMeasure('extensionRate'),
  fromMeasure('resolveP50'),
  { key: 'resolveP90', unit: 'minutes', higherIsBetter: false, value: (f) => f.resolveP90 },
  fromMeasure('verifyP50'),
  fromMeasure('coverage'),
  fromMeasure('mobileShare'),
]

/** The year-to-date block: the same figures minus the tail percentile (a P90 over a year says little). */
export const YTD_KPIS: readonly KpiDef[] = KPIS.filter((k) => k.key !== 'resolveP90')

export interface KpiFigure {
  def: KpiDef
  value: number | undefined
  /** Change against the month before (环比) and the same month last year (同比): `compare` — points for a rate, relative otherwise. */
  mom: number | undefined
  yoy: number | undefined
}

/** One KPI of a month against its bases; `compare` is the shared definition (none without a base). */
export function kpiFigure(def: KpiDef, month: PeriodFigures, prev: PeriodFigures, lastYear: PeriodFigures): KpiFigure {
  const value = def.value(month)
  return { def, value, mom: compare(def.unit, value, def.value(prev)), yoy: compare(def.unit, value, def.value(lastYear)) }
}

