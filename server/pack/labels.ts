/**
 * The words of the monthly pack in both languages (Chinese by default, DOMAIN.md "Words"),
 * and how its numbers read in prose and tables. The dashboard keeps its own strings
 * (dashboard/src/i18n); these are the pack's, worded for a printed bulletin.
 */
import type { MeasureKey } from '../contracts/trendMeasures.ts'
import { CATEGORY_NAMES } from '../contracts/categories.ts'
import type { Month, TrendsReport } from '../contracts/trends.ts'

export type Lang = 'zh-CN' | 'en'

/** `?lang=`: zh-CN (default) or en; anything else is an error naming the parameter. */
export function parseLang(raw: unknown): Lang | { error: string } {
  if (raw === undefined || raw === 'zh-CN' || raw === 'zh') return 'zh-CN'
  if (raw === 'en') return 'en'
  return { error: `lang: must be zh-CN or en; got ${JSON.stringify(raw)}` }
}

type Level = TrendsReport['childLevel']

export interface Words {
  lang: Lang
  categories: Record<string, string>
  measures: Record<MeasureKey, string>
  /** The figures of a period (PeriodFigures' keys). */
  figures: {
    reported: string
    mobile: string
    verified: string
    verifyP50: string
    verifyP90: string
    resolved: string
    resolveP50: string
    resolveP90: string
    overran: string
    closed: string
    closedOnTime: string
    reopened: string
    rejected: string
    visited: string
    keyHouseholds: string
    households: string
  }
  month: string
  mom: string
  yoy: string
  /** A change of a rate is in percentage points, never "% of a %". */
  points: string
  total: string
  level: Record<Level, string>
  levels: Record<Level, string>
  rank: string
  code: string
  unit: string
  topCategories: string
  previousMonth: string
  changeVsLastMonth: string
  thisMonth: string
  lastYearSameMonth: string
  ytd: string
  ytdLastYear: string
  indicator: string
  notRanked: string
  minutes: string
  hours: string
  /** The words of the bulletin and the workbook's headings. */
  text: {
    title(name: string): string
    issuer: string
    asOf: string
    period: string
    scope: string
    tz: string
    month: string
    category: string
    sheets: { overview: string; monthly: string; categories: string; ranking: string; ytd: string }
    headings: { summary: string; kpi: string; charts: string; ranking(levels: string): string; ytd(span: string): string }
    charts: { categories: string; lastYear: string; resolution: string; rates: string }
    rankingRule(minVolume: number): string
    definitions: string
    page(i: number, n: number): string
  }
  /** `2026年10月` / `October 2026`. */
  monthLong(m: Month): string
  /** Axis label: `10月` (`2026年1月` at a year's start or the first) / `Oct` (`Jan 2026`). */
  monthShort(m: Month, first: boolean): string
  /** `1—10月` / `Jan–Oct`. */
  monthSpan(from: Month, to: Month): string
  /** A duration in minutes as a reader says it: 38分钟, 5.2小时, 1.5天. */
  duration(min: number): string
  count(n: number): string
  percent(rate: number): string
  /** An instant as a local date and time of the report's zone: 2026年11月3日 09:30 / 3 Nov 2026, 09:30. */
  instant(iso: string, tz: string): string
  /** Scope name in the language. */
  nameOf(x: { name: string; nameEn: string }): string
}

const ZH_CATEGORIES: Record<string, string> = CATEGORY_NAMES['zh-CN']
const EN_CATEGORIES: Record<string, string> = CATEGORY_NAMES.en
const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

function parts(iso: string, tz: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute', string> {
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  const out: Record<string, string> = {}
  for (const p of fmt.formatToParts(new Date(iso))) out[p.type] = p.value
  return out as Record<'year' | 'month' | 'day' | 'hour' | 'minute', string>
}

const ym = (m: Month) => m.split('-').map(Number) as [number, number]
const oneDecimal = (x: number) => (Math.round(x * 10) / 10).toFixed(1).replace(/\.0$/, '')

const ZH: Words = {
  lang: 'zh-CN',
  categories: ZH_CATEGORIES,
  measures: {
    reportedPer100: '每百户上报',
    onTimeClosure: '按期结案率',
    reworkRate: '返工率',
    extensionRate: '延期率',
    resolveP50: '办结时长中位数',
    verifyP50: '响应时长中位数',
    coverage: '重点人群周走访覆盖率',
    mobileShare: '流动微网格员上报占比',
  },
  figures: {
    reported: '上报件数',
    mobile: '流动微网格员上报',
    verified: '核实件数',
    verifyP50: '响应时长P50(分钟)',
    verifyP90: '响应时长P90(分钟)',
    resolved: '办结件数',
    resolveP50: '办结时长P50(分钟)',
    resolveP90: '办结时长P90(分钟)',
    overran: '超时限办结(延期)',
    closed: '结案件数',
    closedOnTime: '按期结案件数',
    reopened: '返工件数',
    rejected: '退回件数',
    visited: '周均走访重点户',
    keyHouseholds: '重点人群户数',
    households: '户数',
  },
  month: '月份',
  mom: '环比',
  yoy: '同比',
  points: '(百分点)',
  total: '合计',
  level: { district: '区县', street: '街道', community: '社区', grid: '网格' },
  levels: { district: '各区县', street: '各街道', community: '各社区', grid: '各网格' },
  rank: '名次',
  code: '代码',
  unit: '单位',
  topCategories: '高发类别(前三)',
  previousMonth: '上月',
  changeVsLastMonth: '较上月',
  thisMonth: '本月',
  lastYearSameMonth: '去年同月',
  ytd: '本年累计',
  ytdLastYear: '去年同期累计',
  indicator: '指标',
  notRanked: '不参评',
  minutes: '分钟',
  hours: '小时',
  text: {
    title: (name) => `${name}网格事件月度简报`,
    issuer: 'GridPulse 网格脉搏 编制',
    asOf: '数据截至',
    period: '统计周期',
    scope: '范围',
    tz: '时区',
    month: '简报月份',
    category: '类别',
    sheets: { overview: '概况', monthly: '月度序列', categories: '类别', ranking: '排名', ytd: '同期累计' },
    headings: {
      summary: '一、总体情况',
      kpi: '二、主要指标',
      charts: '三、月度趋势',
      ranking: (levels) => `四、${levels}按期结案率排名`,
      ytd: (span) => `五、同期累计（${span}）`,
    },
    charts: { categories: '各类事件上报件数', lastYear: '去年同期', resolution: '办结时长（小时）', rates: '主要比率' },
    rankingRule: (n) => `按当月按期结案率排名（结案件数中在处置时限内结案的比例）；当月结案不足${n}件的单位不参评，列于表末。较上月为百分点变化。`,
    definitions:
      '口径：件数按事件去重；各项按该环节发生的月份统计（如10月上报、11月结案，计入10月上报和11月结案）。按期结案率＝按期结案件数÷结案件数；返工率＝返工件数÷结案件数；延期率＝超过处置时限办结件数÷办结件数；周走访覆盖率＝周均走访重点户÷重点人群户数。比率的环比、同比为百分点变化，其余为增减幅度。',
    page: (i, n) => `第 ${i} 页 / 共 ${n} 页`,
  },
  monthLong: (m) => `${ym(m)[0]}年${ym(m)[1]}月`,
  monthShort: (m, first) => (first || ym(m)[1] === 1 ? `${ym(m)[0]}年${ym(m)[1]}月` : `${ym(m)[1]}月`),
  monthSpan: (from, to) => (from === to ? `${ym(to)[1]}月` : `${ym(from)[1]}—${ym(to)[1]}月`),
  duration: (min) => (min < 60 ? `${Math.round(min)}分钟` : min < 48 * 60 ? `${oneDecimal(min / 60)}小时` : `${oneDecimal(min / 1440)}天`),
  count: (n) => n.toLocaleString('en-US', { maximumFractionDigits: 1 }),
  percent: (r) => `${(r * 100).toFixed(1)}%`,
  instant: (iso, tz) => {
    const p = parts(iso, tz)
    return `${p.year}年${Number(p.month)}月${Number(p.day)}日 ${p.hour}:${p.minute}`
  },
  nameOf: (x) => x.name,
}

const EN: Words = {
  lang: 'en',
  categories: EN_CATEGORIES,
  measures: {
    reportedPer100: 'Reports per 100 households',
    onTimeClosure: 'On-time closure',
    reworkRate: 'Rework rate',
    extensionRate: 'Overrun rate',
    resolveP50: 'Resolution time (median)',
    verifyP50: 'Response time (median)',
    coverage: 'Weekly key-population visit coverage',
    mobileShare: "Mobile grid workers' share",
  },
  figures: {
    reported: 'Reports',
    mobile: 'From mobile grid workers',
    verified: 'Verified',
    verifyP50: 'Response p50 (min)',
    verifyP90: 'Response p90 (min)',
    resolved: 'Resolved',
    resolveP50: 'Resolution p50 (min)',
    resolveP90: 'Resolution p90 (min)',
    overran: 'Resolved past SLA',
    closed: 'Closed',
    closedOnTime: 'Closed on time',
    reopened: 'Reopened',
    rejected: 'Rejected',
    visited: 'Key households visited per week',
    keyHouseholds: 'Key-population households',
    households: 'Households',
  },
  month: 'Month',
  mom: 'MoM',
  yoy: 'YoY',
  points: ' (pp)',
  total: 'Total',
  level: { district: 'District', street: 'Street', community: 'Community', grid: 'Grid' },
  levels: { district: 'Districts', street: 'Streets', community: 'Communities', grid: 'Grids' },
  rank: 'Rank',
  code: 'Code',
  unit: 'Unit',
  topCategories: 'Top categories',
  previousMonth: 'Last month',
  changeVsLastMonth: 'vs last month',
  thisMonth: 'This month',
  lastYearSameMonth: 'Same month last year',
  ytd: 'Year to date',
  ytdLastYear: 'Same period last year',
  indicator: 'Measure',
  notRanked: 'not ranked',
  minutes: 'min',
  hours: 'h',
  text: {
    title: (name) => `${name} Monthly Grid Bulletin`,
    issuer: 'Prepared by GridPulse',
    asOf: 'Data as of',
    period: 'Period',
    scope: 'Scope',
    tz: 'Time zone',
    month: 'Month',
    category: 'Category',
    sheets: { overview: 'Overview', monthly: 'Monthly', categories: 'Categories', ranking: 'Ranking', ytd: 'Year to date' },
    headings: {
      summary: '1. Summary',
      kpi: '2. Key figures',
      charts: '3. Monthly trends',
      ranking: (levels) => `4. ${levels} ranked on on-time closure`,
      ytd: (span) => `5. Year to date (${span})`,
    },
    charts: { categories: 'Reports by category', lastYear: 'Last year', resolution: 'Resolution time (hours)', rates: 'Rates' },
    rankingRule: (n) =>
      `Ranked on the month's on-time closure (the share of closed reports closed within their SLA); a unit with fewer than ${n} closures in the month is not ranked and is listed last. Changes are in percentage points.`,
    definitions:
      'Definitions: reports are counted once each; every figure falls in the month of its own step (a report made in October and closed in November counts as reported in October and closed in November). On-time closure = closed on time ÷ closed; rework = reopened ÷ closed; overrun = resolved past SLA ÷ resolved; weekly visit coverage = key households visited per week ÷ key-population households. Month-on-month and year-on-year changes of rates are in percentage points, of other figures relative.',
    page: (i, n) => `Page ${i} of ${n}`,
  },
  monthLong: (m) => `${EN_MONTHS[ym(m)[1] - 1]} ${ym(m)[0]}`,
  monthShort: (m, first) => {
    const short = EN_MONTHS[ym(m)[1] - 1]!.slice(0, 3)
    return first || ym(m)[1] === 1 ? `${short} ${ym(m)[0]}` : short
  },
  monthSpan: (from, to) => (from === to ? EN_MONTHS[ym(to)[1] - 1]!.slice(0, 3) : `${EN_MONTHS[ym(from)[1] - 1]!.slice(0, 3)}–${EN_MONTHS[ym(to)[1] - 1]!.slice(0, 3)}`),
  duration: (min) => (min < 60 ? `${Math.round(min)} min` : min < 48 * 60 ? `${oneDecimal(min / 60)} h` : `${oneDecimal(min / 1440)} days`),
  count: (n) => n.toLocaleString('en-US', { maximumFractionDigits: 1 }),
  percent: (r) => `${(r * 100).toFixed(1)}%`,
  instant: (iso, tz) => {
    const p = parts(iso, tz)
    return `${Number(p.day)} ${EN_MONTHS[Number(p.month) - 1]!.slice(0, 3)} ${p.year}, ${p.hour}:${p.minute}`
  },
  nameOf: (x) => x.nameEn || x.name,
}

export function words(lang: Lang): Words {
  return lang === 'en' ? EN : ZH
}

/** A category's name; an unknown key (a newer category) reads as itself, not as nothing. */
export function categoryName(w: Words, key: string): string {
  return w.categories[key] ?? key
}
