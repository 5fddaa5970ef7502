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

/** The q-quantile of sorted values, interpolated linearly between neighbours. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN
  const pos = (sorted.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/**
 * Every live figure from the reports in memory, in the shapes `buildSnapshots` takes: one row
 * per micro-grid with activity, one response row per scope (city '', district, street,
 * community) with stages completed today.
 */
/** An overdue open report as liveFigures finds it (the hub adds display paths). */
export interface Overdue {
  report: LiveReport
  since: number
  stage: 'verify' | 'resolve'
  overdueMs: number
}

export function liveFigures(reports: Iterable<LiveReport>, registry: Registry, w: FigureWindow): { microGrids: MicroGridRow[]; response: ResponseRow[]; overdue: Overdue[] } {
  const { now, dayStart, ydayStart, ydayNow } = w
  const verifySla = new Map(w.sla.categories.map((c, i) => [c, w.sla.verifyMin[i]! * 60_000]))
  const resolveSla = new Map(w.sla.categories.map((c, i) => [c, w.sla.resolveMin[i]! * 60_000]))
  const today = (t: number | null) => t !== null && t >= dayStart && t <= now
  const yday = (t: number | null) => t !== null && t >= ydayStart && t <= ydayNow
  const rows = new Map<string, MicroGridRow>()
  const overdue: Overdue[] = []
  const durations = new Map<string, Record<(typeof STAGES)[number], number[]>>()
  const scopeDurations = (key: string) => {
    let d = durations.get(key)
    if (!d) durations.set(key, (d = { verify: [], dispatch: [], resolve: [], close: [] }))
    return d
  }

  for (const r of reports) {
    let row = rows.get(r.microGrid)
    if (!row) {
      row = { micro_grid: r.microGrid, reported: 0, verified: 0, dispatched: 0, resolved: 0, closed: 0, rejected: 0, open: 0, overdue: 0, hours: new Array<number>(24).fill(0), yday_reported: 0, yday_resolved: 0, categories: {}, channels: {}, mobile: 0 }
      rows.set(r.microGrid, row)
    }
    if (today(r.reportedAt)) {
      row.reported++
      row.categories[r.category || 'other'] = (row.categories[r.category || 'other'] ?? 0) + 1
      if (r.channel) row.channels[r.channel] = (row.channels[r.channel] ?? 0) + 1
      if (r.reporterRole === 'mobile_worker') row.mobile++
    }
    if (today(r.verifiedAt)) row.verified++
    if (today(r.dispatchedAt)) row.dispatched++
    if (today(r.resolvedAt)) row.resolved++
    if (today(r.closedAt)) row.closed++
    if (today(r.rejectedAt)) row.rejected++
    if (yday(r.reportedAt)) row.yday_reported++
    if (yday(r.resolvedAt)) row.yday_resolved++
    if (r.reportedAt !== null && r.reportedAt > now - 86_400_000 && r.reportedAt <= now) row.hours[localHour(r.reportedAt, w.tz)]!++
    if (isOpen(r)) {
      row.open++
      // A report whose `reported` event is late is dated by its earliest event.
      const since = r.reportedAt ?? r.firstAt
      const unverified = r.verifiedAt === null && r.dispatchedAt === null && r.resolvedAt === null && r.closedAt === null && r.rejectedAt === null
      const unresolved = r.resolvedAt === null || (r.reopenedAt !== null && r.reopenedAt > r.resolvedAt)
      const vSla = verifySla.get(r.category) ?? w.sla.defaultVerifyMin * 60_000
      const rSla = resolveSla.get(r.category) ?? w.sla.defaultResolveMin * 60_000
      const pastVerify = unverified ? now - (since + vSla) : -1
      const pastResolve = unresolved ? now - (since + rSla) : -1
      if (pastVerify > 0 || pastResolve > 0) {
        row.overdue++
        overdue.push({ report: r, since, stage: pastVerify >= pastResolve ? 'verify' : 'resolve', overdueMs: Math.max(pastVerify, pastResolve) })
      }
    }
    // Response times: minutes from reported, for stages completed today.
    if (r.reportedAt !== null) {
      const ends = { verify: r.verifiedAt, dispatch: r.dispatchedAt, resolve: r.resolvedAt, close: r.closedAt }
      let path: ReturnType<Registry['microGridPath']> | null = null
      for (const stage of STAGES) {
        const end = ends[stage]
        if (!today(end)) continue
        path ??= registry.microGridPath(r.microGrid) ?? null
        const minutes = Math.floor((end! - r.reportedAt) / 1000) / 60
        for (const key of ['', path?.district, path?.street, path?.community]) if (key !== undefined) scopeDurations(key)[stage].push(minutes)
      }
    }
  }

  const response: ResponseRow[] = []
  for (const [key, d] of durations) {
    const place = key === '' ? undefined : registry.byCode.get(key)
    const row = { district: place?.level === 'district' ? key : '', street: place?.level === 'street' ? key : '', community: place?.level === 'community' ? key : '' } as ResponseRow
    for (const stage of STAGES) {
      const sorted = d[stage].sort((a, b) => a - b)
      row[stage] = [quantile(sorted, 0.5), quantile(sorted, 0.9)]
      row[`${stage}_n`] = sorted.length
    }
    response.push(row)
  }
  overdue.sort((a, b) => b.overdueMs - a.overdueMs)
  return { microGrids: [...rows.values()], response, overdue }
}
