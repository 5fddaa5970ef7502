/**
 * The console's quick chart: a sensible first guess from the result's column types, which the
 * analyst can change — a line over time (a date column and numbers), bars by category (a text
 * column and numbers), a heatmap (two text or date columns and one number). Pure: the guess and
 * the chart's data are tested without a browser.
 */
import type { ConsoleColumn } from '@contracts/console'

export type ChartKind = 'line' | 'bar' | 'heatmap'

const NUMERIC = /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/
const TEMPORAL = /^(Nullable\()?(Date|DateTime)/

export const isNumeric = (c: ConsoleColumn) => NUMERIC.test(c.type)
export const isTemporal = (c: ConsoleColumn) => TEMPORAL.test(c.type)

/** Which kinds fit these columns, the likeliest first; empty when nothing can be drawn. */
export function chartKinds(columns: ConsoleColumn[]): ChartKind[] {
  const numbers = columns.filter(isNumeric).length
  const labels = columns.filter((c) => !isNumeric(c))
  if (numbers === 0) return []
  if (labels.some(isTemporal)) return labels.length >= 2 ? ['line', 'bar', 'heatmap'] : ['line', 'bar']
  if (labels.length >= 2) return ['heatmap', 'bar', 'line']
  if (labels.length === 1) return ['bar', 'line']
  return numbers >= 2 ? ['line', 'bar'] : []
}

export interface ChartData {
  kind: ChartKind
  /** Categories (or times) along x. */
  x: string[]
  /** One series per numeric column (line, bar), or per value of the second label (line with two labels). */
  series: Array<{ name: string; values: Array<number | null> }>
  /** Heatmap: y categories and [x, y, value] cells. */
  y?: string[]
  cells?: Array<[number, number, number]>
  /** The biggest cell (heatmap colour scale). */
  max?: number
}

const num = (v: unknown): number | null => {
  if (v === null || v === undefined || v === '') return null
  const n = Number(v)
  return Number.isFinite(n) ? n : null
}

/** The chart's data from the result (at most `limit` rows are drawn). */
export function chartData(kind: ChartKind, columns: ConsoleColumn[], rows: unknown[][], limit = 5000): ChartData {
  const labelIdx = columns.map((c, i) => (isNumeric(c) ? -1 : i)).filter((i) => i >= 0)
  const numIdx = columns.map((c, i) => (isNumeric(c) ? i : -1)).filter((i) => i >= 0)
  // Time runs left to right, whatever order the query gave.
  const timeIdx = labelIdx.find((i) => isTemporal(columns[i]!))
  const rs = rows.slice(0, limit)
  if (timeIdx !== undefined) rs.sort((a, b) => String(a[timeIdx]).localeCompare(String(b[timeIdx])))
  if (kind === 'heatmap' && labelIdx.length >= 2) {
    const [xi, yi] = [labelIdx[0]!, labelIdx[1]!]
    const vi = numIdx[0]!
    const x = [...new Set(rs.map((r) => String(r[xi])))]
    const y = [...new Set(rs.map((r) => String(r[yi])))]
    const cells = rs.map((r) => [x.indexOf(String(r[xi])), y.indexOf(String(r[yi])), num(r[vi]) ?? 0] as [number, number, number])
    return { kind, x, y, cells, series: [], max: Math.max(0, ...cells.map((c) => c[2])) }
  }
  // x: the time column, else the first text column, else the first number.
  const xi = timeIdx ?? labelIdx[0] ?? numIdx[0]!
  const values = numIdx.filter((i) => i !== xi)
  if (labelIdx.length >= 2 && values.length >= 1) {
    // Two labels: a series per value of the second (e.g. a line per street over days).
    const si = labelIdx.find((i) => i !== xi)!
    const x = [...new Set(rs.map((r) => String(r[xi])))]
    const names = [...new Set(rs.map((r) => String(r[si])))].slice(0, 12)
    const series = names.map((name) => {
      const vs: Array<number | null> = x.map(() => null)
      for (const r of rs) if (String(r[si]) === name) vs[x.indexOf(String(r[xi]))] = num(r[values[0]!])
      return { name, values: vs }
    })
    return { kind, x, series }
  }
  return { kind, x: rs.map((r) => String(r[xi])), series: values.map((i) => ({ name: columns[i]!.name, values: rs.map((r) => num(r[i])) })) }
}
