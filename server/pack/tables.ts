/**
 * The tables of the monthly pack, defined once for the CSV, the XLSX and the PDF: which
 * figures, in which order, under which heading, of which kind (so each format shows a rate as a
 * rate and minutes as minutes). Every rate comes from MEASURES and every ranking from rankUnits
 * (server/contracts/trendMeasures.ts); nothing here divides on its own. Pure.
 */
import { MEASURES, compare, rankUnits, type MeasureKey, type RankedUnit } from '../contracts/trendMeasures.ts'
import type { PeriodFigures, TrendsReport, TrendsUnit } from '../contracts/trends.ts'
import { CATEGORIES } from '../../ingest/schema.ts'
import { categoryName, type Words } from './labels.ts'

/**
 * How a value is written: count and number as they are, rate as a fraction 0…1 (shown 0.0%),
 * minutes as minutes, change as a relative fraction (0.12 = +12%), points as percentage points
 * (1.5 = 1.5 pp: a change of a rate).
 */
export type CellKind = 'text' | 'count' | 'number' | 'rate' | 'minutes' | 'change' | 'points'
export type Cell = string | number | undefined

export interface Column<R> {
  /** Stable English key (documented in server/README.md), whatever the language of the header. */
  key: string
  header: string
  kind: CellKind
  value(row: R): Cell
}

export type ReviewMonth = TrendsReport['months'][number]

/** One figure of a period, raw or derived; `compared` says how its 环比/同比 are taken. */
interface Metric {
  key: keyof PeriodFigures | MeasureKey
  kind: Exclude<CellKind, 'text' | 'change' | 'points'>
  compared?: 'change' | 'points'
  value(f: PeriodFigures): number | undefined
}

const raw = (key: keyof Omit<PeriodFigures, 'categories'>, kind: Metric['kind'] = 'count', compared?: Metric['compared']): Metric => ({
  key,
  kind,
  compared,
  value: (f) => f[key],
})
const measure = (key: MeasureKey): Metric => {
  const m = MEASURES[key]
  const kind = m.unit === 'rate' ? 'rate' : m.unit === 'minutes' ? 'minutes' : 'number'
  // A change of a rate is read in percentage points (按期结案率提高1.5个百分点), not as a percentage of a percentage.
  return { key, kind, compared: m.unit === 'rate' ? 'points' : m.unit === 'minutes' ? 'change' : undefined, value: m.value }
}

/** Every figure of a period, in the order the tables show them. */
export const METRICS: readonly Metric[] = [
  raw('reported', 'count', 'change'),
  measure('reportedPer100'),
  raw('mobile'),
  measure('mobileShare'),
  raw('verified'),
  measure('verifyP50'),
  raw('verifyP90', 'minutes'),
  raw('resolved'),
  measure('resolveP50'),
  raw('resolveP90', 'minutes'),
  raw('overran'),
  measure('extensionRate'),
  raw('closed'),
  raw('closedOnTime'),
  measure('onTimeClosure'),
  raw('reopened'),
  measure('reworkRate'),
  raw('rejected'),
  raw('visited', 'number'),
  raw('keyHouseholds'),
  measure('coverage'),
  raw('households'),
]

function metric(key: Metric['key']): Metric {
  return METRICS.find((m) => m.key === key)!
}

/** 环比/同比 of a metric (the shared `compare`), in the pack's cells: points as 1.5, changes as fractions. */
export function compareMetric(m: Metric, now: PeriodFigures, base: PeriodFigures): number | undefined {
  const d = compare(m.compared === 'points' ? 'rate' : 'number', m.value(now), m.value(base))
  return d === undefined || m.compared !== 'points' ? d : d * 100
}

/** A figure's heading; times say their unit, since a table cell holds bare minutes. */
export function metricLabel(w: Words, key: Metric['key']): string {
  if (!(key in MEASURES)) return w.figures[key as keyof Words['figures']]
  const label = w.measures[key as MeasureKey]
  return MEASURES[key as MeasureKey].unit === 'minutes' ? `${label}${w.lang === 'en' ? ' (min)' : '(分钟)'}` : label
}

/** The categories to show: the known ones in their fixed order, then any newer key the report has. */
export function categoryKeys(report: TrendsReport): string[] {
  const seen = new Set<string>()
  for (const m of report.months) for (const k of Object.keys(m.categories)) seen.add(k)
  const known: string[] = [...CATEGORIES]
  return [...known, ...[...seen].filter((k) => !known.includes(k)).sort()]
}

function compareHeader(w: Words, m: Metric, which: 'mom' | 'yoy'): string {
  const label = metricLabel(w, m.key).replace(/\(分钟\)$| \(min\)$/, '')
  return `${label}${w.lang === 'en' ? ' ' : ''}${w[which]}${m.compared === 'points' ? w.points : ''}`
}

/**
 * The monthly series (CSV, XLSX "monthly" sheet): one row per month, every figure, the
 * derived rates, 环比 (against the month before) and 同比 (against the same month a year
 * earlier) where a comparison reads, then reports per category.
 */
export function seriesColumns(report: TrendsReport, w: Words): Column<ReviewMonth>[] {
  const cols: Column<ReviewMonth>[] = [{ key: 'month', header: w.month, kind: 'text', value: (r) => r.month }]
  for (const m of METRICS) {
    cols.push({ key: m.key, header: metricLabel(w, m.key), kind: m.kind, value: (r) => m.value(r) })
    if (!m.compared) continue
    const kind = m.compared
    cols.push({ key: `${m.key}_mom`, header: compareHeader(w, m, 'mom'), kind, value: (r) => compareMetric(m, r, r.prev) })
    cols.push({ key: `${m.key}_yoy`, header: compareHeader(w, m, 'yoy'), kind, value: (r) => compareMetric(m, r, r.lastYear) })
  }
  for (const c of categoryKeys(report)) cols.push({ key: `category_${c}`, header: categoryName(w, c), kind: 'count', value: (r) => r.categories[c] ?? 0 })
  return cols
}

/** Reports per category per month, with last year's total for the same month. */
export function categoryColumns(report: TrendsReport, w: Words): Column<ReviewMonth>[] {
  return [
    { key: 'month', header: w.month, kind: 'text', value: (r) => r.month },
    ...categoryKeys(report).map((c): Column<ReviewMonth> => ({ key: c, header: categoryName(w, c), kind: 'count', value: (r) => r.categories[c] ?? 0 })),
    { key: 'reported', header: w.total, kind: 'count', value: (r) => r.reported },
    { key: 'reported_last_year', header: `${w.total}·${w.lastYearSameMonth}`, kind: 'count', value: (r) => r.lastYear.reported },
  ]
}

/** A child unit with its rank on every measure; ordered by the on-time closure ranking. */
export interface UnitRow {
  unit: TrendsUnit
  onTime: RankedUnit
  ranks: Record<MeasureKey, RankedUnit>
}

/** The units in on-time closure order (按期结案率排名), each with its place in every other ranking. */
export function unitRows(report: TrendsReport): UnitRow[] {
  const byMeasure = Object.fromEntries(
    (Object.keys(MEASURES) as MeasureKey[]).map((k) => [k, new Map(rankUnits(report.units, k).map((r) => [r.unit.code, r]))]),
  ) as Record<MeasureKey, Map<string, RankedUnit>>
  return rankUnits(report.units, 'onTimeClosure').map((onTime) => ({
    unit: onTime.unit,
    onTime,
    ranks: Object.fromEntries((Object.keys(MEASURES) as MeasureKey[]).map((k) => [k, byMeasure[k].get(onTime.unit.code)!])) as Record<MeasureKey, RankedUnit>,
  }))
}

/** The change of a ranked value against last month (points for a rate, as the pack's cells hold them). */
export function rankedChange(key: MeasureKey, r: RankedUnit): number | undefined {
  return MEASURES[key].unit === 'rate' && r.change !== undefined ? r.change * 100 : r.change
}

/** The ranking sheet: rank on on-time closure, then every measure's value, change and rank, then the raw figures. */
export function unitColumns(report: TrendsReport, w: Words): Column<UnitRow>[] {
  const cols: Column<UnitRow>[] = [
    { key: 'rank', header: `${w.rank}(${w.measures.onTimeClosure})`, kind: 'count', value: (r) => r.onTime.rank },
    { key: 'unit', header: w.level[report.childLevel], kind: 'text', value: (r) => w.nameOf(r.unit) },
    { key: 'code', header: w.code, kind: 'text', value: (r) => r.unit.code },
  ]
  for (const k of Object.keys(MEASURES) as MeasureKey[]) {
    const m = metric(k)
    const label = w.measures[k]
    const sep = w.lang === 'en' ? ' ' : ''
    cols.push({ key: k, header: metricLabel(w, k), kind: m.kind, value: (r) => r.ranks[k].value })
    cols.push({ key: `${k}_change`, header: `${label}${sep}${w.changeVsLastMonth}${m.compared === 'points' ? w.points : ''}`, kind: m.compared === 'points' ? 'points' : 'change', value: (r) => rankedChange(k, r.ranks[k]) })
    cols.push({ key: `${k}_rank`, header: `${label}${sep}${w.rank}`, kind: 'count', value: (r) => r.ranks[k].rank })
  }
  for (const m of METRICS) if (!(m.key in MEASURES)) cols.push({ key: m.key, header: metricLabel(w, m.key), kind: m.kind, value: (r) => m.value(r.unit.month) })
  cols.push({ key: 'top_categories', header: w.topCategories, kind: 'text', value: (r) => topCategoriesText(w, r.unit) })
  return cols
}

export function topCategoriesText(w: Words, u: TrendsUnit): string {
  return u.topCategories.map((c) => (w.lang === 'en' ? `${categoryName(w, c.category)} (${c.n})` : `${categoryName(w, c.category)}(${c.n})`)).join(w.lang === 'en' ? ', ' : '、')
}

/** A row comparing a figure across periods (KPI table, year to date). */
export interface CompareRow {
  key: string
  label: string
  kind: Metric['kind']
  /** How the comparisons read: relative change or percentage points. */
  compared: 'change' | 'points'
  now: number | undefined
  base: number | undefined
  change: number | undefined
}

function compareRow(w: Words, m: Metric, now: PeriodFigures, base: PeriodFigures): CompareRow {
  const compared = m.compared ?? (m.kind === 'rate' ? 'points' : 'change')
  return { key: m.key, label: metricLabel(w, m.key), kind: m.kind, compared, now: m.value(now), base: m.value(base), change: compareMetric({ ...m, compared }, now, base) }
}

/** The figures the bulletin's KPI table shows, in its order. */
export const KPI_KEYS = ['reported', 'reportedPer100', 'mobileShare', 'verifyP50', 'resolveP50', 'resolveP90', 'onTimeClosure', 'reworkRate', 'extensionRate', 'coverage', 'rejected'] as const

export interface KpiRow {
  key: string
  label: string
  kind: Metric['kind']
  compared: 'change' | 'points'
  now: number | undefined
  prev: number | undefined
  mom: number | undefined
  lastYear: number | undefined
  yoy: number | undefined
}

/** The latest month against the month before (环比) and the same month a year earlier (同比). */
export function kpiRows(report: TrendsReport, w: Words): KpiRow[] {
  const last = report.months[report.months.length - 1]!
  return KPI_KEYS.map((k) => {
    const mom = compareRow(w, metric(k), last, last.prev)
    const yoy = compareRow(w, metric(k), last, last.lastYear)
    return { key: mom.key, label: mom.label, kind: mom.kind, compared: mom.compared, now: mom.now, prev: mom.base, mom: mom.change, lastYear: yoy.base, yoy: yoy.change }
  })
}

/** Same period to date (同期累计): this year's January to the month, against the same months a year earlier. */
export function ytdRows(report: TrendsReport, w: Words): CompareRow[] {
  const out = METRICS.filter((m) => m.key !== 'households' && m.key !== 'keyHouseholds').map((m) => compareRow(w, m, report.ytd.current, report.ytd.lastYear))
  for (const c of categoryKeys(report)) {
    const now = report.ytd.current.categories[c] ?? 0
    const base = report.ytd.lastYear.categories[c] ?? 0
    out.push({ key: `category_${c}`, label: categoryName(w, c), kind: 'count', compared: 'change', now, base, change: compare('number', now, base) })
  }
  return out
}
