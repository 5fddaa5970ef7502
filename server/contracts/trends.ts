/**
 * The leaders' monthly review (issue 6): `GET /api/v1/trends?scope=…&from=YYYY-MM&to=YYYY-MM`.
 * Months are calendar months in the deployment's time zone. Every count is of distinct reports
 * (a resend never counts twice); each figure is bucketed by the month of its own lifecycle step
 * (a report made in October and closed in November counts as reported in October and closed in
 * November). The dashboard and the exports import this file; never copy it.
 */
import type { Scope } from './live.ts'

/** A calendar month in the deployment's time zone, `YYYY-MM`. */
export type Month = string

/** One unit's figures over one period (a month, or a year to date). */
export interface PeriodFigures {
  /** Reports whose `reported` event falls in the period. */
  reported: number
  /** …by category (categories with none are left out). */
  categories: Record<string, number>
  /** …of them from mobile grid workers (couriers, riders). */
  mobile: number
  /** Reports first verified in the period; minutes from reported to verified (the response time), p50 and p90. */
  verified: number
  verifyP50?: number
  verifyP90?: number
  /** Reports whose (latest) resolution falls in the period; minutes from reported to resolved, p50 and p90. */
  resolved: number
  resolveP50?: number
  resolveP90?: number
  /** Of the resolved, those resolved after their category's resolve SLA ran out (a deadline overrun, 延期). */
  overran: number
  /** Reports (last) closed in the period, and of them those closed within their category's resolve SLA (按期结案). */
  closed: number
  closedOnTime: number
  /** Reports (last) reopened in the period (返工). */
  reopened: number
  /** Reports rejected as not valid in the period. */
  rejected: number
  /**
   * Key-population households visited in an average week of the period (the weekly rule,
   * 每周巡访): weeks Monday to Sunday, each in the month of its Monday. An average, not rounded.
   */
  visited: number
  /** The registry's key-population households of the unit (the denominator of visit coverage). */
  keyHouseholds: number
  /** The registry's households of the unit (the denominator of "per 100 households"). */
  households: number
}

export interface TrendMonth extends PeriodFigures {
  month: Month
}

/** A child unit of the scope, for the rankings (排名) of the last month of the range. */
export interface TrendsUnit {
  code: string
  name: string
  nameEn: string
  /** The last month of the range, and the month before it (for the change against last month). */
  month: PeriodFigures
  previous: PeriodFigures
  /** The unit's most frequent categories over the whole range (高发), most first, at most 3. */
  topCategories: Array<{ category: string; n: number }>
}

export interface TrendsReport {
  scope: Scope
  name: string
  nameEn: string
  /** The scope and its parents, outermost first. */
  path: Array<{ scope: Scope; name: string; nameEn: string }>
  childLevel: 'district' | 'street' | 'community' | 'grid'
  tz: string
  from: Month
  to: Month
  /** ISO instant the figures were read. */
  asOf: string
  /**
   * The months of the range, oldest first, each with the month before it (环比) and the same
   * month a year earlier (同比), so every comparison has its base.
   */
  months: Array<TrendMonth & { prev: PeriodFigures; lastYear: PeriodFigures }>
  /**
   * Set when `to` is the month under way (ISO instant of the data): its 环比 and 同比 bases, the
   * units' `previous` and last year's year to date are then cut at the same day and hour (同期,
   * through the end of that local hour), not whole months.
   */
  through?: string
  /**
   * Where the figures were read: `rollups` (maintained sums, a few seconds behind the events;
   * percentiles within 1%) or `events` (report_current, while the rollups are folded).
   */
  source: 'rollups' | 'events'

  /** Same period to date: January to `to` of `to`'s year, and the same months a year earlier. */
  ytd: { from: Month; to: Month; current: PeriodFigures; lastYear: PeriodFigures }
  /** The child units (their last month and the month before). Rank with `rankUnits`. */
  units: TrendsUnit[]
}
