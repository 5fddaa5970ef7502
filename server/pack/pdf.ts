/**
 * The monthly bulletin (月度简报) as a PDF, laid out like a Chinese government bulletin: a red
 * masthead and rule, the issuing line with the data's as-of time, then 一、总体情况 (the summary
 * in words), 二、主要指标 (KPI table and definitions), 三、月度趋势 (charts), 四、排名 (child units on on-time
 * closure), 五、同期累计 (year to date), and page numbers. pdfkit writes it with a CJK
 * font embedded (subset); ECharts' SVG charts are drawn into it as vectors by svg-to-pdfkit.
 */
import fs from 'node:fs'
import PDFDocument from 'pdfkit'
import SVGtoPDF from 'svg-to-pdfkit'
import { RANKING_MIN_VOLUME } from '../contracts/trendMeasures.ts'
import type { TrendsReport } from '../contracts/trends.ts'
import { renderCharts } from './charts.ts'
import type { PdfFontFace, PdfFonts } from './fonts.ts'
import { words, type Lang, type Words } from './labels.ts'
import { summaryParagraphs } from './summary.ts'
import { kpiRows, rankedChange, topCategoriesText, unitRows, ytdRows, type CellKind } from './tables.ts'

const RED = '#c00000'
const GREY = '#666666'
const RULE = '#bfbfbf'
const HEAD_FILL = '#f2f2f2'
const ZEBRA = '#fafafa'
const MARGIN = { top: 50, bottom: 54, left: 56, right: 56 }
/** The family name ECharts writes into its SVG; svg-to-pdfkit maps it back to our font. */
const CHART_FONT = 'GridPulsePack'
const R = 'pack-regular'
const B = 'pack-bold'

/** The YTD rows the printed table shows (the workbook has all of them), and at most this many categories across. */
const YTD_CATEGORY_COLUMNS = 10
const YTD_KEYS = new Set(['reported', 'mobileShare', 'verifyP50', 'resolveP50', 'resolveP90', 'onTimeClosure', 'reworkRate', 'extensionRate', 'coverage', 'rejected'])

// Fonts are megabytes: read each file once per process, not per bulletin.
const fontFiles = new Map<string, Buffer>()
function fontData(f: PdfFontFace): Buffer {
  let b = fontFiles.get(f.path)
  if (!b) {
    b = fs.readFileSync(f.path)
    fontFiles.set(f.path, b)
  }
  return b
}

type Doc = PDFKit.PDFDocument

function cell(w: Words, kind: CellKind, v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '—'
  switch (kind) {
    case 'rate':
      return w.percent(v)
    case 'minutes':
      return w.duration(v)
    case 'number':
      return v.toFixed(2)
    case 'change':
      return `${signed(v * 100)}%`
    case 'points':
      return `${signed(v)}${w.lang === 'en' ? ' pp' : '个百分点'}`
    default:
      return w.count(v)
  }
}

/** One decimal with its sign; what rounds to zero reads 0.0, never -0.0. */
function signed(x: number): string {
  const r = Math.round(x * 10) / 10
  return r === 0 ? '0.0' : `${r > 0 ? '+' : ''}${r.toFixed(1)}`
}

/** A figure's name in a printed table, where times read as 41分钟 or 2.2天 rather than bare minutes. */
const printed = (label: string) => label.replace(/\(分钟\)$| \(min\)$/, '')

interface TableCol {
  header: string
  width: number
  align?: 'left' | 'right' | 'center'
}

const bottom = (doc: Doc) => doc.page.height - MARGIN.bottom

/** Makes room for `h` points, starting a new page when the rest of this one is too short. */
function need(doc: Doc, h: number): void {
  if (doc.y + h > bottom(doc)) doc.addPage()
}

/** A ruled table; a row that does not fit starts a new page under a repeated header. */
function table(doc: Doc, cols: TableCol[], rows: string[][], opts: { fontSize?: number; strong?: (i: number) => boolean } = {}): void {
  const size = opts.fontSize ?? 9
  const pad = 3
  const x0 = MARGIN.left
  const rowHeight = (cells: string[], font: string) => {
    doc.font(font).fontSize(size)
    return Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: cols[i]!.width - 2 * pad }))) + 2 * pad
  }
  const drawRow = (cells: string[], font: string, fill?: string) => {
    const h = rowHeight(cells, font)
    const y = doc.y
    const width = cols.reduce((s, c) => s + c.width, 0)
    if (fill) doc.rect(x0, y, width, h).fill(fill)
    let x = x0
    doc.font(font).fontSize(size).fillColor('#000')
    cells.forEach((c, i) => {
      const col = cols[i]!
      doc.text(c, x + pad, y + pad, { width: col.width - 2 * pad, align: col.align ?? 'left', lineBreak: true })
      x += col.width
    })
    doc
      .moveTo(x0, y + h)
      .lineTo(x0 + width, y + h)
      .lineWidth(0.5)
      .strokeColor(RULE)
      .stroke()
    doc.x = x0
    doc.y = y + h
  }
  const header = () => {
    const y = doc.y
    drawRow(
      cols.map((c) => c.header),
      B,
      HEAD_FILL,
    )
    const width = cols.reduce((s, c) => s + c.width, 0)
    doc.moveTo(x0, y).lineTo(x0 + width, y).lineWidth(0.8).strokeColor('#000').stroke()
  }
  need(doc, rowHeight(cols.map((c) => c.header), B) + rowHeight(rows[0] ?? [''], R))
  header()
  rows.forEach((r, i) => {
    const font = opts.strong?.(i) ? B : R
    if (doc.y + rowHeight(r, font) > bottom(doc)) {
      doc.addPage()
      header()
    }
    drawRow(r, font, i % 2 === 1 ? ZEBRA : undefined)
  })
  doc.moveDown(0.6)
}

/** A section heading, kept on one page with the first `keep` points of what follows it. */
function heading(doc: Doc, text: string, keep = 60): void {
  need(doc, keep)
  doc.moveDown(0.4)
  doc.font(B).fontSize(13).fillColor('#000').text(text, MARGIN.left, doc.y)
  doc.moveDown(0.3)
}

function note(doc: Doc, text: string): void {
  doc.font(R).fontSize(8).fillColor(GREY).text(text, MARGIN.left, doc.y, { width: doc.page.width - MARGIN.left - MARGIN.right, lineGap: 1.5 })
  doc.fillColor('#000')
}

/** The bulletin of `report`'s last month, in `lang`. */
export async function buildPdf(report: TrendsReport, lang: Lang, fonts: PdfFonts): Promise<Buffer> {
  const w = words(lang)
  const en = lang === 'en'
  const name = w.nameOf(report)
  const title = `${w.text.title(name)} · ${w.monthLong(report.to)}`
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    lang,
    displayTitle: true,
    info: { Title: title, Author: 'GridPulse', Subject: w.text.title(name), CreationDate: new Date(report.asOf) },
  })
  const chunks: Buffer[] = []
  doc.on('data', (c: Buffer) => chunks.push(c))
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)))
    doc.on('error', reject)
  })
  doc.registerFont(R, fontData(fonts.regular), fonts.regular.face)
  doc.registerFont(B, fontData(fonts.bold), fonts.bold.face)
  const contentWidth = doc.page.width - MARGIN.left - MARGIN.right

  // Masthead: red title, the issuing line, the red double rule.
  doc.font(B).fontSize(en ? 16 : 20).fillColor(RED).text(title, { align: 'center' })
  doc.moveDown(0.5)
  const issuingY = doc.y
  doc.font(R).fontSize(9.5).fillColor('#000').text(w.text.issuer, MARGIN.left, issuingY, { width: contentWidth / 2 })
  doc.text(`${w.text.asOf} ${w.instant(report.asOf, report.tz)}`, MARGIN.left + contentWidth / 2, issuingY, { width: contentWidth / 2, align: 'right' })
  const ruleY = doc.y + 3
  doc.moveTo(MARGIN.left, ruleY).lineTo(MARGIN.left + contentWidth, ruleY).lineWidth(2).strokeColor(RED).stroke()
  doc.moveTo(MARGIN.left, ruleY + 3.5).lineTo(MARGIN.left + contentWidth, ruleY + 3.5).lineWidth(0.6).strokeColor(RED).stroke()
  doc.y = ruleY + 9
  const scopePath = report.path.map((p) => w.nameOf(p)).join(' / ')
  note(doc, `${w.text.scope}${en ? ': ' : '：'}${scopePath}　　${w.text.period}${en ? ': ' : '：'}${w.monthShort(report.from, true)} – ${w.monthShort(report.to, true)}　　${w.text.tz}${en ? ': ' : '：'}${report.tz}`)

  // 一、总体情况
  heading(doc, w.text.headings.summary)
  for (const p of summaryParagraphs(report, w)) {
    doc.font(R).fontSize(en ? 10 : 10.5).fillColor('#000').text(p, MARGIN.left, doc.y, { width: contentWidth, indent: en ? 0 : 21, lineGap: en ? 2.5 : 3.5, align: 'justify' })
    doc.moveDown(0.35)
  }

  // 二、主要指标
  heading(doc, w.text.headings.kpi)
  table(
    doc,
    [
      { header: w.indicator, width: 143 },
      { header: `${w.thisMonth}`, width: 68, align: 'right' },
      { header: w.previousMonth, width: 68, align: 'right' },
      { header: w.mom, width: 68, align: 'right' },
      { header: w.lastYearSameMonth, width: 68, align: 'right' },
      { header: w.yoy, width: 68, align: 'right' },
    ],
    kpiRows(report, w).map((r) => [printed(r.label), cell(w, r.kind, r.now), cell(w, r.kind, r.prev), cell(w, r.compared, r.mom), cell(w, r.kind, r.lastYear), cell(w, r.compared, r.yoy)]),
  )
  // The definitions sit under the figures they define.
  note(doc, w.text.definitions)

  // 三、月度趋势: the charts laid out with the font's own widths.
  const chartH = 196
  const svgs = renderCharts(report, w, {
    width: contentWidth,
    height: chartH,
    fontFamily: CHART_FONT,
    measureText: (text, font) => {
      const size = Number(/(\d+(?:\.\d+)?)px/.exec(font)?.[1] ?? 12)
      return doc
        .font(/bold|[6-9]00/.test(font) ? B : R)
        .fontSize(size)
        .widthOfString(text)
    },
  })
  heading(doc, w.text.headings.charts, chartH + 60)
  const figures: Array<[string, string]> = [
    [svgs.categories, `${en ? 'Figure 1' : '图1'}　${w.text.charts.categories}${en ? ' (bars) and last year (dashed)' : '（柱）与去年同期（虚线）'}`],
    [svgs.resolution, `${en ? 'Figure 2' : '图2'}　${w.text.charts.resolution}${en ? ': median (bars) and 90th percentile (line)' : '：中位数（柱）与P90（折线）'}`],
    [svgs.rates, `${en ? 'Figure 3' : '图3'}　${w.text.charts.rates}`],
  ]
  for (const [svg, caption] of figures) {
    need(doc, chartH + 24)
    const y = doc.y
    SVGtoPDF(doc, svg, MARGIN.left, y, { width: contentWidth, height: chartH, assumePt: true, fontCallback: (_family: string, bold: boolean) => (bold ? B : R) })
    doc.font(R).fontSize(9).fillColor(GREY).text(caption, MARGIN.left, y + chartH + 2, { width: contentWidth, align: 'center' })
    doc.fillColor('#000')
    doc.moveDown(0.8)
  }

  // 四、排名
  const units = unitRows(report)
  if (units.length) {
    heading(doc, w.text.headings.ranking(w.levels[report.childLevel]))
    table(
      doc,
      [
        { header: w.rank, width: 32, align: 'center' },
        { header: w.level[report.childLevel], width: 88 },
        { header: w.measures.onTimeClosure, width: 60, align: 'right' },
        { header: w.changeVsLastMonth, width: 68, align: 'right' },
        { header: w.figures.closed, width: 48, align: 'right' },
        { header: w.topCategories, width: contentWidth - 32 - 88 - 60 - 68 - 48 },
      ],
      units.map((u) => [
        u.onTime.rank === undefined ? '—' : String(u.onTime.rank),
        w.nameOf(u.unit),
        cell(w, 'rate', u.onTime.value),
        cell(w, 'points', rankedChange('onTimeClosure', u.onTime)),
        w.count(u.unit.month.closed),
        topCategoriesText(w, u.unit) || '—',
      ]),
      { fontSize: 8.5 },
    )
    note(doc, w.text.rankingRule(RANKING_MIN_VOLUME))
  }

  // 五、同期累计: the measures down the page, then the categories across it (short enough to keep the section on one page).
  heading(doc, w.text.headings.ytd(w.monthSpan(report.ytd.from, report.ytd.to)))
  const ytd = ytdRows(report, w)
  table(
    doc,
    [
      { header: w.indicator, width: 183 },
      { header: w.ytd, width: 100, align: 'right' },
      { header: w.ytdLastYear, width: 100, align: 'right' },
      { header: w.yoy, width: contentWidth - 383, align: 'right' },
    ],
    ytd.filter((r) => YTD_KEYS.has(r.key)).map((r) => [printed(r.label), cell(w, r.kind, r.now), cell(w, r.kind, r.base), cell(w, r.compared, r.change)]),
    { fontSize: 8.5 },
  )
  const cats = ytd
    .filter((r) => r.key.startsWith('category_') && ((r.now ?? 0) > 0 || (r.base ?? 0) > 0))
    .sort((a, b) => (b.now ?? 0) - (a.now ?? 0))
    .slice(0, YTD_CATEGORY_COLUMNS)
  // English names are long words that must not break mid-word: five to a table, not ten.
  const perTable = en ? 5 : YTD_CATEGORY_COLUMNS
  for (let i = 0; i < cats.length; i += perTable) {
    const group = cats.slice(i, i + perTable)
    const first = en ? 96 : 64
    const each = (contentWidth - first) / perTable
    table(
      doc,
      [{ header: w.text.category, width: first }, ...group.map((c) => ({ header: c.label, width: each, align: 'right' as const }))],
      [
        [w.ytd, ...group.map((c) => cell(w, 'count', c.now))],
        [w.ytdLastYear, ...group.map((c) => cell(w, 'count', c.base))],
        [w.yoy, ...group.map((c) => cell(w, 'change', c.change))],
      ],
      { fontSize: 8 },
    )
  }

  // Page numbers, written last so they know the count; the footer sits in the bottom margin.
  const range = doc.bufferedPageRange()
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i)
    const marginBottom = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc
      .font(R)
      .fontSize(8)
      .fillColor(GREY)
      .text(`${w.text.title(name)} · ${w.monthLong(report.to)}　　${w.text.page(i + 1, range.count)}`, MARGIN.left, doc.page.height - 34, { width: contentWidth, align: 'center', lineBreak: false })
    doc.page.margins.bottom = marginBottom
  }
  doc.end()
  return done
}
