/**
 * The trends page's chart options, built from a report as pure functions (labels come in from
 * the caller, already in the UI language). Each returns `{ key, option }` for `useEChart`: the
 * key is the option's data and words, so a chart redraws only when one of them changed.
 * Line series need `loadLineCharts()` (lib/echarts.ts) before the first draw.
 */
import type { Month, TrendsReport } from '@contracts/trends'
import { MEASURES, type MeasureKey } from '@contracts/trendMeasures'
import { FONT_STACK, type WallChartOption } from './echarts.ts'
import { THEME } from './theme.ts'
import type { ChartSpec } from '../composables/useEChart.ts'

export interface ChartWords {
  /** A month label, with or without its year. */
  month: (m: Month, withYear: boolean) => string
  category: (code: string) => string
  /** A series or axis name by key (trends.charts.*). */
  name: (key: string) => string
  duration: (minutes: number) => string
  percent: (rate: number) => string
}

/** One colour per category, stable across months and scopes; unknown ones share a grey. */
export const CATEGORY_COLOURS: Record<string, string> = {
  safety_hazard: '#ff7a45',
  neighbour_dispute: '#b37feb',
  public_facility: '#35a7ff',
  sanitation: '#3ddc97',
  clutter: '#ffd34d',
  illegal_parking: '#2fb3c9',
  flying_wire_charging: '#ff4d5e',
  illegal_ads: '#9fe07a',
  emergency: '#ff5cae',
  other: '#8ea3c7',
}
const OTHER_COLOUR = '#5d7194'

const axisText = { color: THEME.textDim, fontSize: 13, fontFamily: FONT_STACK }

function frame(words: ChartWords, report: TrendsReport): WallChartOption {
  return {
    backgroundColor: 'transparent',
    textStyle: { fontFamily: FONT_STACK, color: THEME.text },
    animationDuration: 300,
    legend: { top: 0, left: 0, right: 0, type: 'scroll', itemGap: 14, itemWidth: 14, itemHeight: 10, textStyle: { color: THEME.textDim, fontSize: 13 }, pageTextStyle: { color: THEME.textDim }, pageIconColor: THEME.text },
    grid: { left: 8, right: 16, top: 44, bottom: 8, containLabel: true },
    xAxis: {
      type: 'category',
      // Short labels fit every month on the axis; the year goes under the first month and each January.
      data: report.months.map((m, i) => (i === 0 || m.month.endsWith('-01') ? `${words.month(m.month, false)}\n${m.month.slice(0, 4)}` : words.month(m.month, false))),
      axisLine: { lineStyle: { color: THEME.axis } },
      axisTick: { show: false },
      axisLabel: { ...axisText, interval: 0, hideOverlap: true, lineHeight: 16 },
    },
    tooltip: { trigger: 'axis', backgroundColor: 'rgba(7, 18, 36, 0.95)', borderColor: THEME.axis, textStyle: { color: THEME.text, fontSize: 13 } },
  }
}

const valueAxis = (formatter?: (v: number) => string, name?: string) => ({
  type: 'value' as const,
  name,
  nameTextStyle: { ...axisText, align: 'left' as const },
  splitLine: { lineStyle: { color: THEME.split } },
  axisLabel: { ...axisText, formatter },
})

const spec = (option: WallChartOption): ChartSpec => ({ key: JSON.stringify(option), option })

/** Monthly reports stacked by category, with last year's monthly totals as a dashed line. */
export function reportsByCategory(report: TrendsReport, words: ChartWords): ChartSpec {
  const totals = new Map<string, number>()
  for (const m of report.months) for (const [c, n] of Object.entries(m.categories)) totals.set(c, (totals.get(c) ?? 0) + n)
  const cats = [...totals.keys()].sort((a, b) => (totals.get(b) ?? 0) - (totals.get(a) ?? 0) || a.localeCompare(b))
  return spec({
    ...frame(words, report),
    tooltip: { ...frame(words, report).tooltip, axisPointer: { type: 'shadow' } },
    yAxis: valueAxis(),
    series: [
      ...cats.map((c) => ({
        type: 'bar' as const,
        name: words.category(c),
        stack: 'reported',
        barMaxWidth: 40,
        itemStyle: { color: CATEGORY_COLOURS[c] ?? OTHER_COLOUR },
        emphasis: { focus: 'series' as const },
        data: report.months.map((m) => m.categories[c] ?? 0),
      })),
      {
        type: 'line' as const,
        name: words.name('lastYearTotal'),
        data: report.months.map((m) => m.lastYear.reported),
        symbol: 'circle',
        symbolSize: 6,
        lineStyle: { type: 'dashed', width: 2, color: '#ffffff' },
        itemStyle: { color: '#ffffff' },
        z: 5,
      },
    ],
  })
}

const line = (name: string, colour: string, data: Array<number | null>, dashed = false) => ({
  type: 'line' as const,
  name,
  data,
  symbol: 'circle',
  symbolSize: 6,
  connectNulls: false,
  lineStyle: { width: 2.5, color: colour, type: dashed ? ('dashed' as const) : ('solid' as const) },
  itemStyle: { color: colour },
})

const hours = (min: number | undefined) => (min === undefined ? null : Math.round((min / 60) * 100) / 100)

/** Resolution and response (verification) times, p50 and p90, in hours on the axis. */
export function durations(report: TrendsReport, words: ChartWords): ChartSpec {
  const base = frame(words, report)
  return spec({
    ...base,
    tooltip: { ...base.tooltip, valueFormatter: (v) => (typeof v === 'number' ? words.duration(v * 60) : '—') },
    yAxis: valueAxis(undefined, words.name('hours')),
    series: [
      line(words.name('resolveP50'), '#3ddc97', report.months.map((m) => hours(m.resolveP50))),
      line(words.name('resolveP90'), '#3ddc97', report.months.map((m) => hours(m.resolveP90)), true),
      line(words.name('verifyP50'), '#35a7ff', report.months.map((m) => hours(m.verifyP50))),
      line(words.name('verifyP90'), '#35a7ff', report.months.map((m) => hours(m.verifyP90)), true),
    ],
  })
}

const pctAxis = (words: ChartWords) => valueAxis((v) => words.percent(v / 100).replace('.0%', '%'))
const pctTooltip = (words: ChartWords) => (v: unknown) => (typeof v === 'number' ? words.percent(v / 100) : '—')
/** A rate as a percentage for the axis, or a gap in the line (null) where its base is empty. */
const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? null : Math.round(v * 10000) / 100)

/** Rates per month as lines in percent, each a shared measure with its colour. */
function rateLines(report: TrendsReport, words: ChartWords, measureName: (key: string) => string, lines: ReadonlyArray<[MeasureKey, string]>): ChartSpec {
  const base = frame(words, report)
  return spec({
    ...base,
    tooltip: { ...base.tooltip, valueFormatter: pctTooltip(words) },
    yAxis: pctAxis(words),
    series: lines.map(([key, colour]) => line(measureName(key), colour, report.months.map((m) => pct(MEASURES[key].value(m))))),
  })
}

/** On-time closure, rework and overrun rates per month (the shared measures' definitions). */
export function closureRates(report: TrendsReport, words: ChartWords, measureName: (key: string) => string): ChartSpec {
  return rateLines(report, words, measureName, [
    ['onTimeClosure', THEME.good],
    ['reworkRate', THEME.overdue],
    ['extensionRate', THEME.open],
  ])
}

/** Weekly key-population visit coverage and the mobile grid workers' share of reports. */
export function coverageAndMobile(report: TrendsReport, words: ChartWords, measureName: (key: string) => string): ChartSpec {
  return rateLines(report, words, measureName, [
    ['coverage', '#2fb3c9'],
    ['mobileShare', '#b37feb'],
  ])
}
