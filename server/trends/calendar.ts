/**
 * The review's calendar (GRIDPULSE_TZ): months as `YYYY-MM`, their local starts, the weeks that
 * belong to them (each month owns the weeks whose Monday falls in it) and where the bases of a
 * month under way are cut (同期).
 */
import type { Month } from '../contracts/trends.ts'
import { localDayStart, localParts } from '../live/localTime.ts'

/** The longest range one request may ask for. */
export const MAX_MONTHS = 36
const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/

/** `YYYY-MM` ± n months. */
export function addMonths(month: Month, n: number): Month {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const i = y * 12 + (m - 1) + n
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`
}

export function monthsBetween(from: Month, to: Month): Month[] {
  const out: Month[] = []
  for (let m = from; m <= to; m = addMonths(m, 1)) out.push(m)
  return out
}

/** Validates `from`/`to` (default: the 12 months up to `current`); an error names the parameter. */
export function monthRange(rawFrom: unknown, rawTo: unknown, current: Month): { from: Month; to: Month } | { error: string } {
  const to = rawTo === undefined ? current : rawTo
  if (typeof to !== 'string' || !MONTH_RE.test(to)) return { error: `to: must be a month as YYYY-MM; got ${JSON.stringify(rawTo)}` }
  const from = rawFrom === undefined ? addMonths(to, -11) : rawFrom
  if (typeof from !== 'string' || !MONTH_RE.test(from)) return { error: `from: must be a month as YYYY-MM; got ${JSON.stringify(rawFrom)}` }
  if (from > to) return { error: `from: ${from} is after to: ${to}` }
  if (to > current) return { error: `to: ${to} is in the future (this month is ${current})` }
  if (monthsBetween(from, to).length > MAX_MONTHS) return { error: `from, to: at most ${MAX_MONTHS} months at a time` }
  return { from, to }
}

/** The instant local month `month` begins in `tz`. */
export function monthStart(month: Month, tz: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number]
  // Noon UTC of the 1st is on the 1st in every zone; its local day start is the month's start.
  return localDayStart(Date.UTC(y, m - 1, 1, 12), tz)
}

export function monthOf(ms: number, tz: string): Month {
  const p = localParts(ms, tz)
  return `${p.y}-${String(p.m).padStart(2, '0')}`
}

export const DAY_MS = 86_400_000

/**
 * Weeks (Monday to Sunday, local) that belong to the months first…last — each month owns the
 * weeks whose Monday falls in it — and have begun by `now`: the divisor of weekly coverage.
 * Counted on civil dates, so no time zone or DST change can skip or repeat a day.
 */
export function weeksIn(first: Month, last: Month, tz: string, now: number): number {
  return weeksBetween(`${first}-01`, `${addMonths(last, 1)}-01`, tz, now)
}

/** Mondays on local dates firstDay ≤ d < endDay (YYYY-MM-DD) that have come by `now`. */
export function weeksBetween(firstDay: string, endDay: string, tz: string, now: number): number {
  const today = localParts(now, tz)
  const todayUtc = Date.UTC(today.y, today.m - 1, today.d)
  const utc = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)))
  let n = 0
  for (let t = utc(firstDay); t < utc(endDay) && t <= todayUtc; t += DAY_MS) if (new Date(t).getUTCDay() === 1) n++
  return n
}

/** The local date (YYYY-MM-DD) of an instant. */
export function localDate(ms: number, tz: string): string {
  const p = localParts(ms, tz)
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`
}

/**
 * Where a base of the month under way ends (同期): as far into `month` as `asOf` is into `to`,
 * rounded up to the end of that local hour (the rollups keep hours), and never past the month.
 */
export function cutOf(month: Month, to: Month, asOf: number, tz: string): number {
  const at = monthStart(month, tz) + (asOf - monthStart(to, tz))
  const day = localDayStart(at, tz)
  return Math.min(day + Math.ceil((at - day) / HOUR_MS) * HOUR_MS, monthStart(addMonths(month, 1), tz))
}

const HOUR_MS = 3_600_000

/** The Monday (YYYY-MM-DD) of the week holding local date `day`. */
export function mondayOf(day: string): string {
  const t = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)))
  return new Date(t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS).toISOString().slice(0, 10)
}

/** The instant local date `day` (YYYY-MM-DD) begins. */
export function dayStart(day: string, tz: string): number {
  return localDayStart(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)), 12), tz)
}
