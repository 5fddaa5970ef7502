/**
 * The monthly pack's CSV: the monthly series (tables.ts `seriesColumns`), one row per month,
 * oldest first, headers in the chosen language. UTF-8 with a byte-order mark and CRLF lines,
 * because Excel opens a CSV without a BOM as the local code page and garbles the Chinese.
 * Numbers are plain (no thousands separators): rates as fractions 0…1, minutes as minutes,
 * 环比/同比 of counts and times as relative fractions, of rates as percentage points.
 */
import type { TrendsReport } from '../contracts/trends.ts'
import { words, type Lang } from './labels.ts'
import { seriesColumns, type Cell, type CellKind } from './tables.ts'

const BOM = '\uFEFF'

/** Decimals kept per kind: enough to recompute a figure, few enough to read. */
const DECIMALS: Record<Exclude<CellKind, 'text'>, number> = { count: 2, number: 3, rate: 4, minutes: 1, change: 4, points: 2 }

export function csvNumber(kind: CellKind, v: Cell): string {
  if (v === undefined) return ''
  if (typeof v === 'string' || kind === 'text') return String(v)
  if (!Number.isFinite(v)) return ''
  const f = 10 ** DECIMALS[kind]
  return String(Math.round(v * f) / f)
}

function field(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export function buildCsv(report: TrendsReport, lang: Lang): Buffer {
  const cols = seriesColumns(report, words(lang))
  const lines = [cols.map((c) => field(c.header)).join(',')]
  for (const m of report.months) lines.push(cols.map((c) => field(csvNumber(c.kind, c.value(m)))).join(','))
  return Buffer.from(BOM + lines.join('\r\n') + '\r\n', 'utf8')
}
