/** One entry for every format of the monthly pack: the report and a language in, bytes out. */
import type { TrendsReport } from '../contracts/trends.ts'
import { buildCsv } from './csv.ts'
import type { PdfFonts } from './fonts.ts'
import type { Lang } from './labels.ts'
import { buildPdf } from './pdf.ts'
import { buildXlsx } from './xlsx.ts'

export type PackFormat = 'pdf' | 'xlsx' | 'csv'
export const PACK_FORMATS: readonly PackFormat[] = ['pdf', 'xlsx', 'csv']

export interface PackJob {
  format: PackFormat
  report: TrendsReport
  lang: Lang
  /** Needed for the PDF only. */
  fonts?: PdfFonts
}

export async function buildPack(job: PackJob): Promise<Buffer> {
  switch (job.format) {
    case 'csv':
      return buildCsv(job.report, job.lang)
    case 'xlsx':
      return buildXlsx(job.report, job.lang)
    case 'pdf':
      if (!job.fonts) throw new Error('the PDF needs fonts (resolvePdfFonts)')
      return buildPdf(job.report, job.lang, job.fonts)
  }
}
