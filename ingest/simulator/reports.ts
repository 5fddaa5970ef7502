/**
 * Report generation: when reports arrive (per local day, or per live interval), and the whole
 * lifecycle of one report drawn at its birth from the model in `model.ts`.
 */
import type { LocalCalendar, LocalDay } from './calendar.ts'
import {
  CATEGORY_MIX,
  CHANNEL_BY_ROLE,
  CLOSE_DELAY,
  DEPARTMENTS,
  HOURLY_PROFILE,
  MIN_STEP_MS,
  NOTE_PHONE_SHARE,
  REFIX_FACTOR,
  REJECT_DELAY,
  REJECT_NOTES,
  REJECT_SHARE,
  REOPEN_DELAY,
  REOPEN_NOTES,
  REOPEN_SHARE,
  REPORTER_ROLES,
  REPORT_JITTER_M,
  REPORT_NOTES,
  RESOLVE_NOTES,
  ROLE_SHARE,
  SEVERITY,
  SLOW_STEP,
  STEP_DELAYS,
  dayFactor,
  type Delay,
} from './model.ts'
import { Rng, Weighted, hashInts } from './random.ts'
import { CATEGORIES, isoAt, type Category, type Channel, type ReportRow, type ReportType, type ReporterRole } from './wire.ts'
import type { World } from './world.ts'

const HOUR_MS = 3_600_000
const M_PER_DEG_LAT = 111_320

// Draw tables, built once from the model.
const ROLE_PICK = Weighted.of(ROLE_SHARE)
const HOUR_BY_ROLE: Record<ReporterRole, Weighted<number>> = Object.fromEntries(
  REPORTER_ROLES.map((r) => [r, new Weighted([...Array(24).keys()], HOURLY_PROFILE[r])]),
) as Record<ReporterRole, Weighted<number>>
const CATEGORY_BY_ROLE = Object.fromEntries(REPORTER_ROLES.map((r) => [r, Weighted.of(CATEGORY_MIX[r])])) as Record<ReporterRole, Weighted<Category>>
const CHANNEL_BY = Object.fromEntries(
  REPORTER_ROLES.map((r) => [r, Weighted.of(CHANNEL_BY_ROLE[r] as Record<Channel, number>)]),
) as Record<ReporterRole, Weighted<Channel>>
const DEPARTMENT_BY = Object.fromEntries(CATEGORIES.map((c) => [c, Weighted.of(DEPARTMENTS[c])])) as Record<Category, Weighted<string>>
const SEVERITY_BY = Object.fromEntries(CATEGORIES.map((c) => [c, new Weighted([1, 2, 3], SEVERITY[c])])) as Record<Category, Weighted<number>>

/** Share of all reports falling in each local hour (sums to 1), and the role mix within each hour. */
const HOUR_SHARE: number[] = []
const ROLE_IN_HOUR: Weighted<ReporterRole>[] = []
{
  const norm = Object.fromEntries(REPORTER_ROLES.map((r) => [r, HOURLY_PROFILE[r].reduce((s, x) => s + x, 0)])) as Record<ReporterRole, number>
  for (let h = 0; h < 24; h++) {
    const w = REPORTER_ROLES.map((r) => (ROLE_SHARE[r] * HOURLY_PROFILE[r][h]!) / norm[r])
    HOUR_SHARE.push(w.reduce((s, x) => s + x, 0))
    ROLE_IN_HOUR.push(new Weighted(REPORTER_ROLES, w))
  }
}

/** One lifecycle, written into reusable arrays so the hot loop allocates only the rows. */
export class Lifecycle {
  readonly at: number[] = []
  readonly rows: ReportRow[] = []

  clear(): void {
    this.at.length = 0
    this.rows.length = 0
  }

  push(at: number, row: ReportRow): void {
    this.at.push(at)
    this.rows.push(row)
  }
}

/** Lognormal step delay in ms, with the model's slow tail; never shorter than MIN_STEP_MS. */
export function drawDelay(rng: Rng, d: Delay, factor = 1): number {
  let min = d.median * Math.exp(d.sigma * rng.normal()) * factor
  if (rng.next() < SLOW_STEP.share) min *= rng.range(SLOW_STEP.factorMin, SLOW_STEP.factorMax)
  return Math.max(MIN_STEP_MS, Math.round(min * 60_000))
}

function eventId(reportId: string, type: ReportType, occurrence: number): string {
  return occurrence > 1 ? `${reportId}-${type}${occurrence}` : `${reportId}-${type}`
}

function lifecycleRow(reportId: string, microGrid: string, category: Category, type: ReportType, at: number, occurrence: number): ReportRow {
  return { event_id: eventId(reportId, type, occurrence), report_id: reportId, type, at: isoAt(at), micro_grid: microGrid, category }
}

function fakePhone(rng: Rng): string {
  // 1380000xxxx is a reserved-looking test range; never a real subscriber.
  const tail = String(rng.int(0, 9999)).padStart(4, '0')
  return rng.chance(0.3) ? `138-0000-${tail}` : `1380000${tail}`
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}

/**
 * Draws one report and its whole lifecycle: reported → verified → (rejected | dispatched →
 * resolved [→ reopened → resolved] → closed). Times strictly increase; `out` receives the
 * events in time order.
 */
export function buildReport(w: World, rng: Rng, mg: number, role: ReporterRole, reportedAt: number, reportId: string, out: Lifecycle): void {
  const microGrid = w.mgCode[mg]!
  const category = CATEGORY_BY_ROLE[role].draw(rng)
  const lat = w.mgLat[mg]!
  const dLat = (rng.range(-1, 1) * REPORT_JITTER_M) / M_PER_DEG_LAT
  const dLon = (rng.range(-1, 1) * REPORT_JITTER_M) / (M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180))
  let note = rng.pick(REPORT_NOTES[category])
  if (rng.next() < NOTE_PHONE_SHARE) note += `，联系电话${fakePhone(rng)}`
  out.push(reportedAt, {
    event_id: eventId(reportId, 'reported', 1),
    report_id: reportId,
    type: 'reported',
    at: isoAt(reportedAt),
    micro_grid: microGrid,
    category,
    channel: CHANNEL_BY[role].draw(rng),
    reporter_role: role,
    lat: round6(lat + dLat),
    lon: round6(w.mgLon[mg]! + dLon),
    severity: SEVERITY_BY[category].draw(rng),
    note,
  })
  continueLifecycle(rng, reportId, microGrid, category, 'reported', reportedAt, out, true)
}

/**
 * Draws the rest of a lifecycle from a known state at time `t`. `mayBranch` allows rejection
 * and reopening (a fresh report); a resumed one just runs to its close.
 */
export function continueLifecycle(
  rng: Rng,
  reportId: string,
  microGrid: string,
  category: Category,
  state: 'reported' | 'verified' | 'dispatched' | 'resolved',
  t: number,
  out: Lifecycle,
  mayBranch: boolean,
): void {
  const d = STEP_DELAYS[category]
  if (state === 'reported') {
    t += drawDelay(rng, d.verify)
    out.push(t, lifecycleRow(reportId, microGrid, category, 'verified', t, 1))
    if (mayBranch && rng.next() < REJECT_SHARE) {
      t += drawDelay(rng, REJECT_DELAY)
      const r = lifecycleRow(reportId, microGrid, category, 'rejected', t, 1)
      r.note = rng.pick(REJECT_NOTES)
      out.push(t, r)
      return
    }
    state = 'verified'
  }
  if (state === 'verified') {
    t += drawDelay(rng, d.dispatch)
    const r = lifecycleRow(reportId, microGrid, category, 'dispatched', t, 1)
    r.department = DEPARTMENT_BY[category].draw(rng)
    out.push(t, r)
    state = 'dispatched'
  }
  if (state === 'dispatched') {
    t += drawDelay(rng, d.resolve)
    const r = lifecycleRow(reportId, microGrid, category, 'resolved', t, 1)
    if (rng.next() < 0.5) r.note = RESOLVE_NOTES[category]
    out.push(t, r)
    if (mayBranch && rng.next() < REOPEN_SHARE) {
      t += drawDelay(rng, REOPEN_DELAY)
      const re = lifecycleRow(reportId, microGrid, category, 'reopened', t, 1)
      re.note = rng.pick(REOPEN_NOTES)
      out.push(t, re)
      t += drawDelay(rng, d.resolve, REFIX_FACTOR)
      out.push(t, lifecycleRow(reportId, microGrid, category, 'resolved', t, 2))
    }
  }
  t += drawDelay(rng, CLOSE_DELAY)
  out.push(t, lifecycleRow(reportId, microGrid, category, 'closed', t, 1))
}

/** The arrivals of one local day, in time order (parallel arrays). */
export interface DayPlan {
  day: LocalDay
  count: number
  at: Float64Array
  mg: Int32Array
  role: ReporterRole[]
  /** The day's stream, positioned after the arrivals: draw each report's details from it in order. */
  rng: Rng
}

/**
 * Plans the reports of a whole local day from (seed, day) alone, so any backfill range that
 * touches the day yields the same reports with the same ids.
 */
export function planDay(w: World, day: LocalDay, cal: LocalCalendar): DayPlan {
  const rng = new Rng(hashInts(w.seedHash, day.dayNo, 0x52455054))
  const mean = w.mgPick ? w.dailyReports * dayFactor(day.dayNo, day.year, day.month, day.weekday) : 0
  const n = rng.poisson(mean)
  const at = new Float64Array(n)
  const mgs = new Int32Array(n)
  const roles: ReporterRole[] = new Array<ReporterRole>(n)
  for (let i = 0; i < n; i++) {
    const role = ROLE_PICK.draw(rng)
    const hour = HOUR_BY_ROLE[role].draw(rng)
    at[i] = cal.at(day, hour * 3600 + rng.next() * 3600)
    mgs[i] = w.mgPick!.indexAt(rng.next())
    roles[i] = role
  }
  // Number reports in time order so ids read chronologically within the day.
  const order = [...Array(n).keys()].sort((a, b) => at[a]! - at[b]!)
  return {
    day,
    count: n,
    at: Float64Array.from(order, (i) => at[i]!),
    mg: Int32Array.from(order, (i) => mgs[i]!),
    role: order.map((i) => roles[i]!),
    rng,
  }
}

/** Id of the i-th (0-based) report of a planned day: `R<yyyymmdd>-<tag>-<00001>`. */
export function dayReportId(w: World, day: LocalDay, i: number): string {
  return `R${day.key}-${w.tag}-${String(i + 1).padStart(5, '0')}`
}

/** Expected reports per ms at an instant (before the live speed factor). */
export function arrivalRatePerMs(w: World, day: LocalDay, hour: number): number {
  if (!w.mgPick) return 0
  return (w.dailyReports * dayFactor(day.dayNo, day.year, day.month, day.weekday) * HOUR_SHARE[hour]!) / HOUR_MS
}

/** Reporter role of a report arriving in a given local hour. */
export function roleInHour(rng: Rng, hour: number): ReporterRole {
  return ROLE_IN_HOUR[hour]!.draw(rng)
}
