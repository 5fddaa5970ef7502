/**
 * The wire shapes (DESIGN §3) the simulator emits, typed from the ingest schema's enums so the
 * two can't drift; the simulator tests also check its rows against the schema itself.
 */
import { CATEGORIES, CHANNELS, GROUPS, REPORTER_ROLES, VISIT_KINDS, WORKER_ROLES, type Category, type ReportType } from '../schema.ts'

export { CATEGORIES, type Category, type ReportType }
export type Channel = (typeof CHANNELS)[number]
export type ReporterRole = (typeof REPORTER_ROLES)[number]
export type WorkerRole = (typeof WORKER_ROLES)[number]
export type Group = (typeof GROUPS)[number]
export type VisitKind = (typeof VISIT_KINDS)[number]

export type EventKind = 'reports' | 'visits'

/** One report lifecycle event as sent to `POST /api/v1/reports`. */
export interface ReportRow {
  event_id: string
  report_id: string
  type: ReportType
  at: string
  micro_grid: string
  /** Sent on every event of a report, so a lifecycle event arriving before its `reported` still classifies. */
  category: Category
  channel?: Channel
  reporter_role?: ReporterRole
  lat?: number
  lon?: number
  severity?: number
  department?: string
  note?: string
}

/** One visit as sent to `POST /api/v1/visits`. */
export interface VisitRow {
  event_id: string
  at: string
  micro_grid: string
  worker_id: string
  worker_role: WorkerRole
  household: string
  groups: Group[]
  kind: VisitKind
  duration_min?: number
  follow_up?: boolean
  note?: string
}

/** Wire form of an instant: ISO-8601 in UTC ('Z' is an explicit offset). */
export function isoAt(ms: number): string {
  return new Date(ms).toISOString()
}
