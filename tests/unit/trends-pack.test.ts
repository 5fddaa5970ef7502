/**
 * The monthly pack's builders (server/pack/): the report and a language in, bytes out.
 * Fixture: tests/support/trendsReport.ts `sampleReport()` (大弯街道, Nov 2025 – Oct 2026, a month
 * without closures, an unknown category, five communities with a tie and one below the
 * ranking's minimum volume). Expected values are read from that report and the shared measures
 * (MEASURES, change), and headers are written out by hand, so a renamed column shows up here.
 * The PDF is read back with tests/support/pdfText.ts (its fonts' ToUnicode maps).
 */
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { MEASURES, change } from '../../server/contracts/trendMeasures.ts'
import type { TrendsReport } from '../../server/contracts/trends.ts'
import { buildCsv } from '../../server/pack/csv.ts'
import { PdfFontMissingError, resolvePdfFonts } from '../../server/pack/fonts.ts'
import { parseLang, words } from '../../server/pack/labels.ts'
import { buildPdf } from '../../server/pack/pdf.ts'
import { summaryParagraphs } from '../../server/pack/summary.ts'
import { buildXlsx } from '../../server/pack/xlsx.ts'
import { attachment, packMonth } from '../../server/routes/trendsPack.ts'
import { pdfPageCount, pdfText } from '../support/pdfText.ts'
import { sampleReport } from '../support/trendsReport.ts'

const report: TrendsReport = sampleReport()
const round = (x: number | undefined, d: number) => (x === undefined ? undefined : Math.round(x * 10 ** d) / 10 ** d)
const cellNum = (s: string | undefined) => (s === '' || s === undefined ? undefined : Number(s))

function parseCsv(buf: Buffer): { bom: boolean; header: string[]; rows: Record<string, string>[] } {
  const text = buf.toString('utf8')
  const bom = text.startsWith('\uFEFF')
  // No field of the series needs quoting (checked: no quotes in the output).
  const lines = text.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean)
  const header = lines[0]!.split(',')
  return { bom, header, rows: lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i]!, v]))) }
}

describe('CSV of the monthly series', () => {
  const csv = buildCsv(report, 'zh-CN')
  const { bom, header, rows } = parseCsv(csv)

  it('is UTF-8 with a BOM, CRLF lines, one row per month oldest first, Chinese headers', () => {
    expect(bom).toBe(true)
    expect(csv.toString('utf8')).not.toContain('"')
    expect(csv.toString('utf8').split('\r\n').length).toBe(report.months.length + 2)
    expect(rows.map((r) => r['月份'])).toEqual(report.months.map((m) => m.month))
    expect(header.slice(0, 4)).toEqual(['月份', '上报件数', '上报件数环比', '上报件数同比'])
    for (const h of ['按期结案率', '按期结案率环比(百分点)', '返工率', '延期率', '响应时长中位数(分钟)', '办结时长P90(分钟)', '重点人群周走访覆盖率', '流动微网格员上报占比', '户数', '环境卫生', '其他', 'noise'])
      expect(header).toContain(h)
  })

  it("has the report's counts, the shared measures' rates and the 环比/同比 of every month", () => {
    report.months.forEach((m, i) => {
      const r = rows[i]!
      expect(cellNum(r['上报件数'])).toBe(m.reported)
      expect(cellNum(r['结案件数'])).toBe(m.closed)
      expect(cellNum(r['按期结案件数'])).toBe(m.closedOnTime)
      expect(cellNum(r['返工件数'])).toBe(m.reopened)
      expect(cellNum(r['退回件数'])).toBe(m.rejected)
      expect(cellNum(r['流动微网格员上报'])).toBe(m.mobile)
      expect(cellNum(r['周均走访重点户'])).toBe(m.visited)
      expect(cellNum(r['办结时长P90(分钟)'])).toBe(m.resolveP90)
      expect(cellNum(r['按期结案率'])).toBe(round(MEASURES.onTimeClosure.value(m), 4))
      expect(cellNum(r['返工率'])).toBe(round(MEASURES.reworkRate.value(m), 4))
      expect(cellNum(r['延期率'])).toBe(round(MEASURES.extensionRate.value(m), 4))
      expect(cellNum(r['重点人群周走访覆盖率'])).toBe(round(MEASURES.coverage.value(m), 4))
      expect(cellNum(r['流动微网格员上报占比'])).toBe(round(MEASURES.mobileShare.value(m), 4))
      expect(cellNum(r['上报件数环比'])).toBe(round(change(m.reported, m.prev.reported), 4))
      expect(cellNum(r['上报件数同比'])).toBe(round(change(m.reported, m.lastYear.reported), 4))
      const onTime = MEASURES.onTimeClosure.value(m)
      const onTimePrev = MEASURES.onTimeClosure.value(m.prev)
      expect(cellNum(r['按期结案率环比(百分点)'])).toBe(onTime === undefined || onTimePrev === undefined ? undefined : round((onTime - onTimePrev) * 100, 2))
      for (const [cat, name] of [['sanitation', '环境卫生'], ['other', '其他'], ['emergency', '紧急求助']] as const) expect(cellNum(r[name])).toBe(m.categories[cat] ?? 0)
    })
  })

  it('leaves a rate empty, not 0, in a month without its base (February: no closures)', () => {
    const feb = rows.find((r) => r['月份'] === '2026-02')!
    expect(feb['结案件数']).toBe('0')
    expect(feb['按期结案率']).toBe('')
    expect(feb['办结时长中位数(分钟)']).toBe('')
  })

  it('has English headers and the same numbers with lang=en', () => {
    const en = parseCsv(buildCsv(report, 'en'))
    expect(en.header.slice(0, 4)).toEqual(['Month', 'Reports', 'Reports MoM', 'Reports YoY'])
    expect(en.header).toContain('On-time closure')
    expect(en.rows.map((r) => Object.values(r))).toEqual(rows.map((r) => Object.values(r)))
  })
})

describe('XLSX workbook', () => {
  async function read(lang: 'zh-CN' | 'en') {
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load((await buildXlsx(report, lang)) as unknown as ArrayBuffer)
    return wb
  }
  const headerIndex = (ws: ExcelJS.Worksheet) => {
    const out = new Map<string, number>()
    ws.getRow(1).eachCell((c, i) => out.set(String(c.value), i))
    return out
  }

  it('has the overview, monthly, categories, ranking and year-to-date sheets', async () => {
    expect((await read('zh-CN')).worksheets.map((s) => s.name)).toEqual(['概况', '月度序列', '类别', '排名', '同期累计'])
    expect((await read('en')).worksheets.map((s) => s.name)).toEqual(['Overview', 'Monthly', 'Categories', 'Ranking', 'Year to date'])
  })

  it('holds the monthly figures as numbers, rates formatted 0.0% and times in minutes', async () => {
    const ws = (await read('zh-CN')).getWorksheet('月度序列')!
    const col = headerIndex(ws)
    expect(ws.rowCount).toBe(report.months.length + 1)
    report.months.forEach((m, i) => {
      const row = ws.getRow(i + 2)
      expect(row.getCell(col.get('月份')!).value).toBe(m.month)
      expect(row.getCell(col.get('上报件数')!).value).toBe(m.reported)
      expect(row.getCell(col.get('结案件数')!).value).toBe(m.closed)
      expect(row.getCell(col.get('户数')!).value).toBe(m.households)
      expect(row.getCell(col.get('按期结案率')!).value ?? undefined).toBe(MEASURES.onTimeClosure.value(m))
      expect(row.getCell(col.get('办结时长中位数(分钟)')!).value ?? undefined).toBe(m.resolveP50)
      expect(row.getCell(col.get('上报件数同比')!).value).toBeCloseTo(change(m.reported, m.lastYear.reported)!, 10)
    })
    expect(ws.getRow(2).getCell(col.get('按期结案率')!).numFmt).toBe('0.0%')
    expect(ws.getRow(2).getCell(col.get('办结时长中位数(分钟)')!).numFmt).toContain('分钟')
    expect(ws.getRow(2).getCell(col.get('上报件数环比')!).numFmt).toContain('%')
  })

  it('has categories by month with last year’s total beside them', async () => {
    const ws = (await read('zh-CN')).getWorksheet('类别')!
    const col = headerIndex(ws)
    const oct = report.months.at(-1)!
    const row = ws.getRow(report.months.length + 1)
    expect(row.getCell(col.get('环境卫生')!).value).toBe(oct.categories.sanitation)
    expect(row.getCell(col.get('noise')!).value).toBe(2)
    expect(row.getCell(col.get('合计')!).value).toBe(oct.reported)
    expect(row.getCell(col.get('合计·去年同月')!).value).toBe(oct.lastYear.reported)
  })

  it('ranks the units on on-time closure: ties share a rank, a unit below the minimum volume is last and unranked', async () => {
    const ws = (await read('zh-CN')).getWorksheet('排名')!
    const col = headerIndex(ws)
    const rows = [2, 3, 4, 5, 6].map((r) => ws.getRow(r))
    expect(rows.map((r) => r.getCell(col.get('社区')!).value)).toEqual(['团结路社区', '安公社区', '盛华社区', '吴家场社区', '禹庙村'])
    expect(rows.map((r) => r.getCell(col.get('名次(按期结案率)')!).value)).toEqual([1, 2, 2, 4, null])
    expect(rows.map((r) => r.getCell(col.get('按期结案率')!).value)).toEqual([1, 0.9, 0.9, 0.6, 1])
    expect(rows[0]!.getCell(col.get('按期结案率较上月(百分点)')!).value).toBeCloseTo(5, 10)
    expect(rows[0]!.getCell(col.get('结案件数')!).value).toBe(20)
    expect(rows[0]!.getCell(col.get('高发类别(前三)')!).value).toBe('乱堆乱放(130)、环境卫生(101)、乱停车(55)')
    for (const h of ['返工率', '返工率名次', '每百户上报', '重点人群周走访覆盖率名次', '响应时长中位数(分钟)']) expect(col.has(h)).toBe(true)
  })

  it('has the year to date against the same period last year', async () => {
    const ws = (await read('zh-CN')).getWorksheet('同期累计')!
    expect(ws.getRow(1).values).toEqual([undefined, '指标', '本年累计 (1—10月)', '去年同期累计', '同比'])
    const byLabel = new Map<string, ExcelJS.Row>()
    ws.eachRow((r, i) => i > 1 && byLabel.set(String(r.getCell(1).value), r))
    expect(byLabel.get('上报件数')!.getCell(2).value).toBe(2400)
    expect(byLabel.get('上报件数')!.getCell(3).value).toBe(2200)
    expect(byLabel.get('上报件数')!.getCell(4).value).toBeCloseTo(200 / 2200, 10)
    expect(byLabel.get('按期结案率')!.getCell(2).value).toBeCloseTo(1900 / 2100, 10)
    expect(byLabel.get('按期结案率')!.getCell(4).value).toBeCloseTo((1900 / 2100 - 1650 / 1900) * 100, 10)
    expect(byLabel.get('环境卫生')!.getCell(2).value).toBe(700)
  })
})

describe('PDF bulletin', () => {
  const fonts = resolvePdfFonts()

  it('is a PDF of several A4 pages with the CJK font embedded and the title in its text', async () => {
    const pdf = await buildPdf(report, 'zh-CN', fonts)
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    expect(pdf.subarray(-6).toString('latin1')).toContain('%%EOF')
    expect(pdfPageCount(pdf)).toBeGreaterThanOrEqual(3)
    const raw = pdf.toString('latin1')
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansCJKsc-Regular/)
    expect(raw).toMatch(/\/BaseFont \/[A-Z]{6}\+NotoSansCJKsc-Bold/)
    expect(raw).toContain('/FontFile3')
    expect(raw).toContain('/MediaBox [0 0 595.28 841.89]')
    const text = pdfText(pdf)
    expect(text).toContain('大弯街道网格事件月度简报 · 2026年10月')
    const all = text.join('')
    for (const s of ['一、总体情况', '二、主要指标', '三、月度趋势', '四、各社区按期结案率排名', '五、同期累计（1—10月）', '团结路社区', '数据截至 2026年11月2日 09:30'])
      expect(all).toContain(s)
    expect(all).not.toContain('\uFFFD')
  })

  it('draws the charts as vectors with their labels in the same font', async () => {
    const text = pdfText(await buildPdf(report, 'zh-CN', fonts))
    const charts = text.slice(text.indexOf('三、月度趋势'), text.indexOf('四、各社区按期结案率排名')).join('')
    // Axis labels and legends of the ECharts SVGs come through as text (glyph by glyph), not pictures.
    for (const s of ['2025年11月', '2026年1月', '去年同期', '安全隐患', '按期结案率', '重点人群周走访覆盖率', 'P90', '100%']) expect(charts).toContain(s)
  })

  it('is in English with lang=en', async () => {
    const text = pdfText(await buildPdf(report, 'en', fonts)).join('\n')
    expect(text).toContain('Dawan Subdistrict Monthly Grid Bulletin · October 2026')
    expect(text).toContain('1. Summary')
    expect(text).not.toMatch(/总体情况|按期结案率/)
  })
})

describe('the summary in words', () => {
  const oct = report.months.at(-1)!
  const pct = (x: number) => `${(Math.abs(x) * 100).toFixed(1)}%`

  it('says the volume with 环比 and 同比, the on-time closure and the year to date from the figures', () => {
    const text = summaryParagraphs(report, words('zh-CN')).join('\n')
    expect(text).toContain(`2026年10月，大弯街道共受理网格事件${oct.reported}件，环比增长${pct(change(oct.reported, oct.prev.reported)!)}，同比增长${pct(change(oct.reported, oct.lastYear.reported)!)}。`)
    expect(text).toContain(`按期结案率${pct(MEASURES.onTimeClosure.value(oct)!)}`)
    expect(text).toContain(`返工率${pct(MEASURES.reworkRate.value(oct)!)}`)
    expect(text).toContain(`延期率${pct(MEASURES.extensionRate.value(oct)!)}`)
    expect(text).toContain(`周走访覆盖率${pct(MEASURES.coverage.value(oct)!)}`)
    expect(text).toContain(`占${pct(MEASURES.mobileShare.value(oct)!)}`)
    expect(text).toContain('核实响应时长中位数41分钟')
    expect(text).toContain('排名前列的是团结路社区（100.0%）')
    expect(text).toContain('排名靠后的是吴家场社区（60.0%）')
    expect(text).toContain('1个单位结案不足5件，未参评')
    expect(text).toContain('1—10月累计受理2,400件，同比增长9.1%')
  })

  it('says when the month is not over yet', () => {
    const partial = { ...report, asOf: '2026-10-20T04:00:00.000Z' }
    expect(summaryParagraphs(partial, words('zh-CN'))[0]).toMatch(/^2026年10月（截至20日），大弯街道共受理/)
    expect(summaryParagraphs(partial, words('en'))[0]).toMatch(/^In October 2026 \(to the 20th\), Dawan Subdistrict received/)
  })

  it('leaves out what has no base instead of writing 0', () => {
    const feb = { ...report, months: report.months.slice(0, 4), to: '2026-02', units: [] }
    // The year to date (last paragraph) has closures of its own; the month has none.
    const text = summaryParagraphs(feb, words('zh-CN')).slice(0, -1).join('\n')
    expect(text).toContain('本月无结案')
    expect(text).not.toContain('按期结案率')
    expect(text).not.toContain('办结时长中位数')
  })
})

describe('request pieces', () => {
  it('checks month and lang, naming the parameter', () => {
    expect(packMonth(undefined, '2026-10')).toBe('2026-10')
    expect(packMonth('2026-09', '2026-10')).toBe('2026-09')
    expect(() => packMonth('2026-13', '2026-10')).toThrow(/^month: /)
    expect(() => packMonth('2026-11', '2026-10')).toThrow(/^month: .*future/)
    expect(() => packMonth(['2026-01'], '2026-10')).toThrow(/^month: /)
    expect(parseLang(undefined)).toBe('zh-CN')
    expect(parseLang('en')).toBe('en')
    expect(parseLang('fr')).toEqual({ error: expect.stringMatching(/^lang: /) })
  })

  it('names the attachment in ASCII and, as filename*, in Chinese', () => {
    const header = attachment(report, 'zh-CN', 'pdf')
    expect(header).toMatch(/^attachment; filename="gridpulse-street-qingbaijiang\.dawan-2026-10\.pdf"; filename\*=UTF-8''/)
    expect(decodeURIComponent(header.split("UTF-8''")[1]!)).toBe('大弯街道网格事件月度简报-2026年10月.pdf')
    expect(attachment(report, 'en', 'xlsx')).toContain('filename="gridpulse-street-qingbaijiang.dawan-2026-10.xlsx"')
  })
})

describe('finding the PDF font', () => {
  const only = (...paths: string[]) => (p: string) => paths.includes(p)

  it('takes Debian’s Noto Sans CJK, its simplified-Chinese faces, regular and bold', () => {
    const f = resolvePdfFonts(undefined, only('/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc'))
    expect(f.regular).toEqual({ path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', face: 'NotoSansCJKsc-Regular' })
    expect(f.bold).toEqual({ path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc', face: 'NotoSansCJKsc-Bold' })
  })

  it('uses a configured font, and the regular face for bold when no bold is beside it', () => {
    expect(resolvePdfFonts('/fonts/SourceHanSans.otf', only('/fonts/SourceHanSans.otf'))).toEqual({ regular: { path: '/fonts/SourceHanSans.otf' }, bold: { path: '/fonts/SourceHanSans.otf' } })
    expect(resolvePdfFonts('/fonts/x.ttc#MyFace-Regular', only('/fonts/x.ttc')).regular).toEqual({ path: '/fonts/x.ttc', face: 'MyFace-Regular' })
  })

  it('says clearly what is missing', () => {
    expect(() => resolvePdfFonts(undefined, () => false)).toThrow(PdfFontMissingError)
    expect(() => resolvePdfFonts(undefined, () => false)).toThrow(/fonts-noto-cjk/)
    expect(() => resolvePdfFonts('/nope/font.ttf', () => false)).toThrow(/"\/nope\/font\.ttf" does not exist/)
    expect(() => resolvePdfFonts('/fonts/other.ttc', () => true)).toThrow(/#PostScriptName/)
  })
})
