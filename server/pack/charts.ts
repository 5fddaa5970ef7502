/**
 * The bulletin's charts, drawn server-side by ECharts (SSR, SVG renderer) so the PDF embeds
 * vectors: reports by category per month (stacked) with last year's line, resolution time p50
 * and p90 per month, and the rates per month. Pure apart from ECharts' one global hook: the
 * caller may give it the PDF font's text metrics, so labels are laid out with the widths they
 * will print at (ECharts' own estimate knows nothing of CJK glyphs).
 */
import * as echarts from 'echarts'
import { MEASURES, type MeasureKey } from '../contracts/trendMeasures.ts'
import type { TrendsReport } from '../contracts/trends.ts'
import { categoryName, type Words } from './labels.ts'
import { categoryKeys } from './tables.ts'

export interface ChartOptions {
  width: number
  height: number
  /** The family the SVG names (the PDF maps it to its embedded font). */
  fontFamily: string
  /** Width of `text` in `font` (a CSS font shorthand such as "bold 9px X"). */
  measureText?: (text: string, font: string) => number
}

export interface ChartSvgs {
  categories: string
  resolution: string
  rates: string
}

/** One colour per category, the same in every pack, muted enough to print. */
const CATEGORY_COLOURS: Record<string, string> = {
  safety_hazard: '#c0392b',
  neighbour_dispute: '#8e6bb8',
  public_facility: '#2e86c1',
  sanitation: '#27ae60',
  clutter: '#d68910',
  illegal_parking: '#5d6d7e',
  flying_wire_charging: '#e74c3c',
  illegal_ads: '#a9cce3',
  emergency: '#922b21',
  other: '#b3b6b7',
}
const FALLBACK_COLOURS = ['#76448a', '#148f77', '#b9770e', '#1f618d']
const RATES: MeasureKey[] = ['onTimeClosure', 'reworkRate', 'extensionRate', 'coverage', 'mobileShare']
const RATE_COLOURS = ['#c0392b', '#d68910', '#5d6d7e', '#27ae60', '#2e86c1']

const round1 = (x: number | undefined) => (x === undefined ? null : Math.round(x * 10) / 10)

function render(option: echarts.EChartsCoreOption, o: ChartOptions): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: o.width, height: o.height })
  try {
    chart.setOption(option)
    return chart.renderToSVGString()
  } finally {
    chart.dispose()
  }
}

export function renderCharts(report: TrendsReport, w: Words, o: ChartOptions): ChartSvgs {
  if (o.measureText) {
    const measure = o.measureText
    echarts.setPlatformAPI({ measureText: (text: string, font?: string) => ({ width: measure(text, font ?? `12px ${o.fontFamily}`) }) })
  }
  const months = report.months
  const x = months.map((m, i) => w.monthShort(m.month, i === 0))
  const base = {
    animation: false,
    textStyle: { fontFamily: o.fontFamily, fontSize: 9, color: '#333' },
    legend: { bottom: 0, itemWidth: 12, itemHeight: 8, itemGap: 8, textStyle: { fontSize: 8.5 } },
    grid: { left: 8, right: 12, top: 26, bottom: 26, containLabel: true },
    xAxis: { type: 'category', data: x, axisLabel: { fontSize: 8.5, interval: 0 }, axisTick: { alignWithLabel: true } },
  }
  const used = categoryKeys(report).filter((c) => months.some((m) => (m.categories[c] ?? 0) > 0))
  let extra = 0
  // A long legend wraps under the axis labels: leave it the lines it will take.
  const names = [...used.map((c) => categoryName(w, c)), w.text.charts.lastYear]
  const legendWidth = names.reduce((s, n) => s + (o.measureText ? o.measureText(n, `8.5px ${o.fontFamily}`) : n.length * 8.5) + 12 + 5 + 8, 0)
  const legendLines = Math.ceil(legendWidth / (o.width - 20))
  const categories = render(
    {
      ...base,
      grid: { ...base.grid, bottom: 26 + (legendLines - 1) * 16 },
      color: used.map((c) => CATEGORY_COLOURS[c] ?? FALLBACK_COLOURS[extra++ % FALLBACK_COLOURS.length]!),
      yAxis: { type: 'value', name: w.lang === 'en' ? 'reports' : '件', nameTextStyle: { fontSize: 8.5, align: 'right' }, minInterval: 1, axisLabel: { fontSize: 8.5 } },
      series: [
        ...used.map((c) => ({ name: categoryName(w, c), type: 'bar', stack: 'reports', barMaxWidth: 22, data: months.map((m) => m.categories[c] ?? 0) })),
        {
          name: w.text.charts.lastYear,
          type: 'line',
          data: months.map((m) => m.lastYear.reported),
          color: '#222',
          lineStyle: { type: 'dashed', width: 1.2 },
          symbol: 'circle',
          symbolSize: 4,
          z: 10,
        },
      ],
    },
    o,
  )
  const hours = (min: number | undefined) => round1(min === undefined ? undefined : min / 60)
  const resolution = render(
    {
      ...base,
      color: ['#2e86c1', '#c0392b'],
      yAxis: { type: 'value', name: w.hours, nameTextStyle: { fontSize: 8.5, align: 'right' }, axisLabel: { fontSize: 8.5 } },
      series: [
        { name: 'P50', type: 'bar', barMaxWidth: 16, data: months.map((m) => hours(m.resolveP50)), label: { show: true, position: 'top', fontSize: 7, color: '#333' } },
        { name: 'P90', type: 'line', data: months.map((m) => hours(m.resolveP90)), symbol: 'circle', symbolSize: 4, connectNulls: false },
      ],
    },
    o,
  )
  const rates = render(
    {
      ...base,
      color: RATE_COLOURS,
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { fontSize: 8.5, formatter: '{value}%' } },
      series: RATES.map((k) => ({
        name: w.measures[k],
        type: 'line',
        symbol: 'circle',
        symbolSize: 4,
        data: months.map((m) => {
          const v = MEASURES[k].value(m)
          return v === undefined ? null : Math.round(v * 1000) / 10
        }),
      })),
    },
    o,
  )
  return { categories, resolution, rates }
}
