/**
 * The pack's worker thread (server/pack/runner.ts): PDFs and workbooks are built off the event
 * loop, one at a time, with a bounded queue and a time limit. Real worker threads (tsx boot),
 * no server. Fixture: tests/support/trendsReport.ts `sampleReport()`.
 */
import ExcelJS from 'exceljs'
import { afterEach, describe, expect, it } from 'vitest'
import { resolvePdfFonts } from '../../server/pack/fonts.ts'
import { PackBusyError, PackFailedError, PackRunner, PackTimeoutError } from '../../server/pack/runner.ts'
import { sampleReport } from '../support/trendsReport.ts'

const report = sampleReport()
let runner: PackRunner | undefined
afterEach(async () => {
  await runner?.close()
  runner = undefined
})

describe('the pack runner', () => {
  it('builds a workbook and a PDF on its worker thread', async () => {
    runner = new PackRunner()
    const xlsx = await runner.build({ format: 'xlsx', report, lang: 'zh-CN' })
    const wb = new ExcelJS.Workbook()
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer)
    expect(wb.getWorksheet('月度序列')!.getRow(13).getCell(2).value).toBe(report.months.at(-1)!.reported)
    const pdf = await runner.build({ format: 'pdf', report, lang: 'zh-CN', fonts: resolvePdfFonts() })
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
  })

  it('refuses a job past the waiting bound instead of queueing without end', async () => {
    runner = new PackRunner({ maxWaiting: 1 })
    const fonts = resolvePdfFonts()
    const first = runner.build({ format: 'pdf', report, lang: 'zh-CN', fonts })
    const second = runner.build({ format: 'pdf', report, lang: 'en', fonts })
    await expect(runner.build({ format: 'xlsx', report, lang: 'en' })).rejects.toBeInstanceOf(PackBusyError)
    expect((await first).length).toBeGreaterThan(0)
    expect((await second).length).toBeGreaterThan(0)
  })

  it('stops a job that runs past its time limit and answers the one behind it on a fresh worker', async () => {
    runner = new PackRunner({ timeoutMs: 1 })
    // No PDF is built within a millisecond (a worker alone takes longer to start), so both jobs
    // run out of time; the second is answered rather than left behind the stopped one.
    const fonts = resolvePdfFonts()
    const first = runner.build({ format: 'pdf', report, lang: 'zh-CN', fonts })
    const second = runner.build({ format: 'pdf', report, lang: 'en', fonts })
    await expect(first).rejects.toBeInstanceOf(PackTimeoutError)
    await expect(second).rejects.toBeInstanceOf(PackTimeoutError)
  })

  it('fails one job that throws and goes on with the next', async () => {
    runner = new PackRunner()
    const missing = { regular: { path: '/nonexistent/font.ttf' }, bold: { path: '/nonexistent/font.ttf' } }
    await expect(runner.build({ format: 'pdf', report, lang: 'zh-CN', fonts: missing })).rejects.toBeInstanceOf(PackFailedError)
    expect((await runner.build({ format: 'xlsx', report, lang: 'en' })).length).toBeGreaterThan(0)
  })
})
