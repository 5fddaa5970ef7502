/**
 * The monthly pack of the leaders' review, as attachments:
 * `GET /api/v1/trends/pack.pdf|.xlsx|.csv?scope=…&month=YYYY-MM&lang=zh-CN|en`: the bulletin
 * (PDF), the workbook of the tables (XLSX) and the monthly series (CSV) of the 12 months ending
 * at `month` (default this month), built from the same report as `GET /api/v1/trends` and with
 * the same rules (routes/trends.ts: signed-in leaders, analysts and admins, inside their scope;
 * display tokens are refused). The router is mounted at `/api/v1/trends`. PDF and XLSX are built
 * on the pack's worker thread (server/pack/runner.ts), never on the event loop.
 */
import express from 'express'
import type { TrendsReport } from '../contracts/trends.ts'
import { HttpError, requirePermission } from '../auth/http.ts'
import { addMonths } from '../trends/calendar.ts'
import { PACK_FORMATS, type PackFormat } from '../pack/build.ts'
import { buildCsv } from '../pack/csv.ts'
import { PdfFontMissingError, resolvePdfFonts, type PdfFonts } from '../pack/fonts.ts'
import { parseLang, words, type Lang } from '../pack/labels.ts'
import { PackBusyError, PackRunner, PackTimeoutError } from '../pack/runner.ts'
import { readReport, trendsRequest, type TrendsRouteDeps } from './trends.ts'

export interface TrendsPackDeps extends TrendsRouteDeps {
  /** The PDF's CJK font (`path` or `path#PostScriptName`); unset: Noto Sans CJK where distributions put it. */
  pdfFont?: string
  /** Where PDF and XLSX are built; one per router by default. */
  runner?: PackRunner
}

const MONTH_RE = /^\d{4}-(0[1-9]|1[0-2])$/
/** The months a pack covers, ending at the chosen one. */
const PACK_MONTHS = 12

const CONTENT_TYPES: Record<PackFormat, string> = {
  pdf: 'application/pdf',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  csv: 'text/csv; charset=utf-8; header=present',
}

/** `month`: YYYY-MM, not after the current month; an error names the parameter. */
export function packMonth(raw: unknown, current: string): string {
  const month = raw === undefined ? current : raw
  if (typeof month !== 'string' || !MONTH_RE.test(month)) throw new HttpError(400, `month: must be a month as YYYY-MM; got ${JSON.stringify(raw)}`)
  if (month > current) throw new HttpError(400, `month: ${month} is in the future (this month is ${current})`)
  return month
}

/** RFC 6266 / 5987: an ASCII `filename` every client reads, and `filename*` with the real (Chinese) name. */
export function attachment(report: TrendsReport, lang: Lang, format: PackFormat): string {
  const ascii = `gridpulse-${report.scope.replace(/[^A-Za-z0-9._-]+/g, '-')}-${report.to}.${format}`
  const w = words(lang)
  const full = `${w.text.title(w.nameOf(report))}-${w.monthLong(report.to)}.${format}`
  const encoded = encodeURIComponent(full).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

export function trendsPackRoutes(deps: TrendsPackDeps) {
  const router = express.Router()
  const runner = deps.runner ?? new PackRunner()
  let fonts: PdfFonts | undefined
  // Found once; a missing font is looked for again next time (an operator may install it meanwhile).
  const pdfFonts = () => {
    try {
      return (fonts ??= resolvePdfFonts(deps.pdfFont))
    } catch (e) {
      if (e instanceof PdfFontMissingError) throw new HttpError(500, `the PDF cannot be made: ${e.message}`)
      throw e
    }
  }

  router.get('/pack.:format', async (req, res, next) => {
    const format = req.params.format as PackFormat
    if (!PACK_FORMATS.includes(format)) return next()
    // Who asks comes before what they ask: an anonymous caller gets 401, not a lesson in months.
    requirePermission(res, 'trends:read')
    const month = packMonth(req.query.month, deps.trends.currentMonth())
    const lang = parseLang(req.query.lang)
    if (typeof lang !== 'string') throw new HttpError(400, lang.error)
    // The review's own checks (permission, scope, the caller's reach) on the pack's months.
    const query = { scope: req.query.scope, from: addMonths(month, -(PACK_MONTHS - 1)), to: month }
    const { scope, from, to } = trendsRequest({ query } as unknown as express.Request, res, deps)
    const font = format === 'pdf' ? pdfFonts() : undefined
    const report = await readReport(deps, scope, from, to)
    let bytes: Buffer
    try {
      // The CSV is a dozen lines: not worth a trip to the worker.
      bytes = format === 'csv' ? buildCsv(report, lang) : await runner.build({ format, report, lang, ...(font ? { fonts: font } : {}) })
    } catch (e) {
      if (e instanceof PackBusyError) throw new HttpError(503, `${e.message}; retry in a few seconds`, { 'Retry-After': String(e.retryAfterSec) })
      if (e instanceof PackTimeoutError) throw new HttpError(503, e.message, { 'Retry-After': '30' })
      throw e
    }
    res.setHeader('Content-Type', CONTENT_TYPES[format])
    res.setHeader('Content-Disposition', attachment(report, lang, format))
    res.setHeader('Cache-Control', 'private, no-store')
    res.setHeader('Content-Length', String(bytes.length))
    res.end(bytes)
  })
  return router
}
