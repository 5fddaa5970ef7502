/**
 * The monthly pack's workbook (exceljs): an overview, the monthly series, categories by
 * month, the unit ranking and the year to date, from the same column definitions as the CSV
 * (tables.ts). Cells hold numbers, not text, so a leader can sort and sum; number formats make
 * rates read as 0.0% and times as minutes.
 */
import ExcelJS from 'exceljs'
import type { TrendsReport } from '../contracts/trends.ts'
import { RANKING_MIN_VOLUME } from '../contracts/trendMeasures.ts'
import { words, type Lang, type Words } from './labels.ts'
import { categoryColumns, seriesColumns, unitColumns, unitRows, ytdRows, type CellKind, type Column } from './tables.ts'

function numFmt(w: Words, kind: CellKind): string | undefined {
  switch (kind) {
    case 'count':
      return '#,##0'
    case 'number':
      return '#,##0.00'
    case 'rate':
      return '0.0%'
    case 'minutes':
      return `#,##0.0" ${w.minutes}"`
    case 'change':
      return '+0.0%;-0.0%;0.0%'
    case 'points':
      return w.lang === 'en' ? '+0.0" pp";-0.0" pp";0.0" pp"' : '+0.0"个百分点";-0.0"个百分点";0.0"个百分点"'
    default:
      return undefined
  }
}

const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF2F2F2' } }

function addTable<R>(wb: ExcelJS.Workbook, w: Words, name: string, cols: Column<R>[], rows: readonly R[]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', xSplit: 1, ySplit: 1 }] })
  ws.columns = cols.map((c) => ({ key: c.key, width: Math.min(28, Math.max(10, [...c.header].length * (w.lang === 'en' ? 1.1 : 2.1))) }))
  const header = ws.addRow(cols.map((c) => c.header))
  header.font = { bold: true }
  header.alignment = { wrapText: true, vertical: 'middle' }
  header.eachCell((cell) => (cell.fill = HEADER_FILL))
  for (const r of rows) {
    const row = ws.addRow(cols.map((c) => normalise(c.value(r))))
    cols.forEach((c, i) => {
      const fmt = numFmt(w, c.kind)
      if (fmt) row.getCell(i + 1).numFmt = fmt
    })
  }
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: cols.length } }
  return ws
}

function normalise(v: string | number | undefined): string | number | null {
  return v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v
}

export async function buildXlsx(report: TrendsReport, lang: Lang): Promise<Buffer> {
  const w = words(lang)
  const wb = new ExcelJS.Workbook()
  wb.creator = 'GridPulse'
  // The figures' instant, not the wall clock: the same report gives the same workbook.
  wb.created = wb.modified = new Date(report.asOf)
  const name = w.nameOf(report)
  const title = `${w.text.title(name)} · ${w.monthLong(report.to)}`
  wb.title = title

  const overview = wb.addWorksheet(w.text.sheets.overview)
  overview.columns = [{ width: 16 }, { width: 90 }]
  overview.addRow([title]).font = { bold: true, size: 14 }
  overview.addRow([])
  for (const [k, v] of [
    [w.text.scope, `${report.path.map((p) => w.nameOf(p)).join(' / ')} (${report.scope})`],
    [w.text.month, w.monthLong(report.to)],
    [w.text.period, `${w.monthLong(report.from)} – ${w.monthLong(report.to)}`],
    [w.text.asOf, w.instant(report.asOf, report.tz)],
    [w.text.tz, report.tz],
    [w.rank, w.text.rankingRule(RANKING_MIN_VOLUME)],
    ['', w.text.definitions],
  ] as const) {
    const row = overview.addRow([k, v])
    row.getCell(1).font = { bold: true }
    row.getCell(2).alignment = { wrapText: true, vertical: 'top' }
  }

  addTable(wb, w, w.text.sheets.monthly, seriesColumns(report, w), report.months)
  addTable(wb, w, w.text.sheets.categories, categoryColumns(report, w), report.months)
  addTable(wb, w, w.text.sheets.ranking, unitColumns(report, w), unitRows(report))

  const ytd = wb.addWorksheet(w.text.sheets.ytd, { views: [{ state: 'frozen', ySplit: 1 }] })
  ytd.columns = [{ width: 28 }, { width: 16 }, { width: 16 }, { width: 16 }]
  const span = w.monthSpan(report.ytd.from, report.ytd.to)
  const head = ytd.addRow([w.indicator, `${w.ytd} (${span})`, w.ytdLastYear, w.yoy])
  head.font = { bold: true }
  head.eachCell((c) => (c.fill = HEADER_FILL))
  for (const r of ytdRows(report, w)) {
    const row = ytd.addRow([r.label, normalise(r.now), normalise(r.base), normalise(r.change)])
    const fmt = numFmt(w, r.kind)
    if (fmt) row.getCell(2).numFmt = row.getCell(3).numFmt = fmt
    row.getCell(4).numFmt = numFmt(w, r.compared)!
  }

  return Buffer.from(await wb.xlsx.writeBuffer())
}
