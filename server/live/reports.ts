/**
 * The reports the live wall needs, in memory: every open report and every report active since
 * the start of yesterday. The hub loads them once, then each tick applies only the reports
 * whose events landed since its last look (live_reports_changed.sql), so a tick costs what
 * changed, not the whole history. `liveFigures` derives every live figure from them — the
 * additive ones per micro-grid, the response-time percentiles per scope. No I/O here.
 */
import type { Registry } from '../../ingest/registry/registry.ts'
import type { SlaTable } from '../sla.ts'
import { localHour } from './localTime.ts'
import type { MicroGridRow, ResponseRow } from './snapshots.ts'
import { EMERGENCY_ALERT_MIN, type TodayFigures } from '../contracts/live.ts'

export interface LiveReport {
  id: string
  microGrid: string
  category: string
  channel: string
  reporterRole: string
  firstAt: number
  lastAt: number
  reportedAt: number | null
  verifiedAt: number | null
  dispatchedAt: number | null
  resolvedAt: number | null
  closedAt: number | null
  reopenedAt: number | null
  rejectedAt: number | null
}

/** A row of the live_report_state view (live_reports*.sql) in JSONCompactEachRow: times in ms (64-bit ints arrive as strings). */
export type LiveReportRow = [string, string, string, string, string, ...Array<string | number | null>]

const ms = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v))

export function fromRow(r: LiveReportRow): LiveReport {
  return {
    id: r[0],
    microGrid: r[1],
    category: r[2],
    channel: r[3],
    reporterRole: r[4],
    firstAt: ms(r[5]) ?? 0,
    lastAt: ms(r[6]) ?? 0,
    reportedAt: ms(r[7]),
    verifiedAt: ms(r[8]),
    dispatchedAt: ms(r[9]),
    resolvedAt: ms(r[10]),
    closedAt: ms(r[11]),
    reopenedAt: ms(r[12]),
    rejectedAt: ms(r[13]),
  }
}

/** Open: not rejected, and not closed unless reopened since (as report_current's is_open). */
export function isOpen(r: LiveReport): boolean {
  return r.rejectedAt === null && (r.closedAt === null || (r.reopenedAt !== null && r.reopenedAt > r.closedAt))
}

export class LiveReports {
  private byId = new Map<string, LiveReport>()

  get size(): number {
    return this.byId.size
  }

  values(): IterableIterator<LiveReport> {
    return this.byId.values()
  }

  /** Replaces everything (a full load). */
  replace(reports: Iterable<LiveReport>): void {
    this.byId = new Map()
    for (const r of reports) this.byId.set(r.id, r)
  }

  /** Applies the current state of changed reports. */
  upsert(reports: Iterable<LiveReport>): void {
    for (const r of reports) this.byId.set(r.id, r)
  }

  /** Forgets reports the wall no longer needs: closed or rejected, and quiet since `before`. */
  evict(before: number): void {
    for (const [id, r] of this.byId) if (r.lastAt < before && !isOpen(r)) this.byId.delete(id)
  }
}

export interface FigureWindow {
  now: number
  dayStart: number
  ydayStart: number
  /** The same time of day, yesterday. */
  ydayNow: number
  tz: string
  sla: SlaTable
}

const STAGES = ['verify', 'dispatch', 'resolve', 'close'] as const
const DAY_MS = 86_400_000

/** One scope's completions of one stage today: minutes from reported, and against the SLA where there is one. */
interface StageDurations {
  minutes: number[]
  slaMin: number[]
  onTime: number
}
const newDurations = (): StageDurations => ({ minutes: [], slaMin: [], onTime: 0 })

/** The q-quantile of sorted values, interpolated linearly between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/** An overdue open report as liveFigures finds it (the hub adds display paths). */
export interface Overdue {
  report: LiveReport
  since: number
  stage: 'verify' | 'resolve'
  overdueMs: number
}

/** Reports of one category in one community in the last 24 hours (for spike alerts). */
export interface Recent {
  community: string
  category: string
  count: number
  /** The earliest of them. */
  first: number
}

export interface LiveFigures {
  microGrids: MicroGridRow[]
  response: ResponseRow[]
  overdue: Overdue[]
  /** `${community}|${category}` → reports of the last 24 hours. */
  recent: Map<string, Recent>
  /** Open emergencies reported in the last EMERGENCY_ALERT_MIN minutes, newest first. */
  emergencies: LiveReport[]
}

const zeroFigures = (): TodayFigures => ({ reported: 0, verified: 0, dispatched: 0, resolved: 0, closed: 0, rejected: 0, open: 0, overdue: 0 })

/**
 * A report's state at instant t, from its latest lifecycle times. Exact for the usual path; a
 * report reopened and closed again is judged by its latest close and reopen only.
 */
function stateAt(r: LiveReport, t: number, verifySlaMs: number, resolveSlaMs: number, past: boolean): { open: boolean; overdue: boolean; pastVerify: number; pastResolve: number } {
  // Now, every event in memory has happened (a source clock a little ahead is tolerated at ingest).
  const by = (x: number | null) => x !== null && (!past || x <= t)
  const since = r.reportedAt ?? r.firstAt
  const closed = by(r.closedAt) && !(by(r.reopenedAt) && r.reopenedAt! > r.closedAt!)
  const open = (!past || since <= t) && !by(r.rejectedAt) && !closed
  if (!open) return { open, overdue: false, pastVerify: -1, pastResolve: -1 }
  const unverified = !by(r.verifiedAt) && !by(r.dispatchedAt) && !by(r.resolvedAt) && !by(r.closedAt)
  const unresolved = !by(r.resolvedAt) || (by(r.reopenedAt) && r.reopenedAt! > r.resolvedAt!)
  const pastVerify = unverified ? t - (since + verifySlaMs) : -1
  const pastResolve = unresolved ? t - (since + resolveSlaMs) : -1
  return { open, overdue: pastVerify > 0 || pastResolve > 0, pastVerify, pastResolve }
}

function count(f: TodayFigures, r: LiveReport, inWindow: (t: number | null) => boolean): void {
  if (inWindow(r.reportedAt)) f.reported++
  if (inWindow(r.verifiedAt)) f.verified++
  if (inWindow(r.dispatchedAt)) f.dispatched++
  if (inWindow(r.resolvedAt)) f.resolved++
  if (inWindow(r.closedAt)) f.closed++
  if (inWindow(r.rejectedAt)) f.rejected++
}

/**
 * Every live figure from the reports in memory, in the shapes `buildSnapshots` takes: one row
 * per micro-grid with activity, one response row per scope (city '', district, street,
 * community) with stages completed today, the overdue reports, the last 24 hours per
 * community and category, and the open emergencies.
 */
export function liveFigures(reports: Iterable<LiveReport>, registry: Registry, w: FigureWindow): LiveFigures {
  const { now, dayStart, ydayStart, ydayNow } = w
  const verifySla = new Map(w.sla.categories.map((c, i) => [c, w.sla.verifyMin[i]! * 60_000]))
  const resolveSla = new Map(w.sla.categories.map((c, i) => [c, w.sla.resolveMin[i]! * 60_000]))
  const today = (t: number | null) => t !== null && t >= dayStart && t <= now
  const yday = (t: number | null) => t !== null && t >= ydayStart && t <= ydayNow
  const rows = new Map<string, MicroGridRow>()
  const overdue: Overdue[] = []
  const recent = new Map<string, Recent>()
  const emergencies: LiveReport[] = []
  const durations = new Map<string, Record<(typeof STAGES)[number], StageDurations>>()
  const scopeDurations = (key: string) => {
    let d = durations.get(key)
    if (!d) durations.set(key, (d = { verify: newDurations(), dispatch: newDurations(), resolve: newDurations(), close: newDurations() }))
    return d
  }

  for (const r of reports) {
    let row = rows.get(r.microGrid)
    if (!row) {
      row = { micro_grid: r.microGrid, ...zeroFigures(), hours: new Array<number>(24).fill(0), yday: zeroFigures(), categories: {}, channels: {}, mobile: 0 }
      rows.set(r.microGrid, row)
    }
    const category = r.category || 'other'
    count(row, r, today)
    count(row.yday, r, yday)
    if (today(r.reportedAt)) {
      row.categories[category] = (row.categories[category] ?? 0) + 1
      if (r.channel) row.channels[r.channel] = (row.channels[r.channel] ?? 0) + 1
      if (r.reporterRole === 'mobile_worker') row.mobile++
    }
    if (r.reportedAt !== null && r.reportedAt > now - DAY_MS && r.reportedAt <= now) {
      row.hours[localHour(r.reportedAt, w.tz)]!++
      const community = registry.microGridPath(r.microGrid)?.community
      if (community) {
        const key = `${community}|${category}`
        const c = recent.get(key)
        if (c) {
          c.count++
          c.first = Math.min(c.first, r.reportedAt)
        } else recent.set(key, { community, category, count: 1, first: r.reportedAt })
      }
    }
    const vSla = verifySla.get(r.category) ?? w.sla.defaultVerifyMin * 60_000
    const rSla = resolveSla.get(r.category) ?? w.sla.defaultResolveMin * 60_000
    const nowState = stateAt(r, now, vSla, rSla, false)
    if (nowState.open) {
      row.open++
      if (nowState.overdue) {
        row.overdue++
        // A report whose `reported` event is late is dated by its earliest event.
        const since = r.reportedAt ?? r.firstAt
        overdue.push({ report: r, since, stage: nowState.pastVerify >= nowState.pastResolve ? 'verify' : 'resolve', overdueMs: Math.max(nowState.pastVerify, nowState.pastResolve) })
      }
      if (r.category === 'emergency' && r.reportedAt !== null && r.reportedAt > now - EMERGENCY_ALERT_MIN * 60_000) emergencies.push(r)
    }
    const ydayState = stateAt(r, ydayNow, vSla, rSla, true)
    if (ydayState.open) row.yday.open++
    if (ydayState.overdue) row.yday.overdue++
    // Response times: minutes from reported, for stages completed today.
    if (r.reportedAt !== null) {
      const ends = { verify: r.verifiedAt, dispatch: r.dispatchedAt, resolve: r.resolvedAt, close: r.closedAt }
      const slaMs = { verify: vSla, dispatch: null, resolve: rSla, close: null }
      let path: ReturnType<Registry['microGridPath']> | null = null
      for (const stage of STAGES) {
        const end = ends[stage]
        if (!today(end)) continue
        path ??= registry.microGridPath(r.microGrid) ?? null
        const minutes = Math.floor((end! - r.reportedAt) / 1000) / 60
        const limit = slaMs[stage]
        for (const key of ['', path?.district, path?.street, path?.community]) {
          if (key === undefined) continue
          const d = scopeDurations(key)[stage]
          d.minutes.push(minutes)
          if (limit !== null) {
            d.slaMin.push(limit / 60_000)
            if (end! - r.reportedAt <= limit) d.onTime++
          }
        }
      }
    }
  }

  const response: ResponseRow[] = []
  for (const [key, d] of durations) {
    const place = key === '' ? undefined : registry.byCode.get(key)
    const row = { district: place?.level === 'district' ? key : '', street: place?.level === 'street' ? key : '', community: place?.level === 'community' ? key : '' } as ResponseRow
    for (const stage of STAGES) {
      const sorted = d[stage].minutes.sort((a, b) => a - b)
      row[stage] = [quantile(sorted, 0.5), quantile(sorted, 0.9)]
      row[`${stage}_n`] = sorted.length
      if (d[stage].slaMin.length > 0) {
        row[`${stage}_on_time`] = d[stage].onTime
        row[`${stage}_sla`] = quantile(d[stage].slaMin.sort((a, b) => a - b), 0.5)
      }
    }
    response.push(row)
  }
  overdue.sort((a, b) => b.overdueMs - a.overdueMs)
  emergencies.sort((a, b) => b.reportedAt! - a.reportedAt!)
  return { microGrids: [...rows.values()], response, overdue, recent, emergencies }
}
