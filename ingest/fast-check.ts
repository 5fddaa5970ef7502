/**
 * A fast, conservative pre-check of the wire schema, for the ingest hot path: `true` only for
 * an event the zod schema (schema.ts, the contract) accepts as it is; anything else — every
 * bad row and any edge the check doesn't model — goes to zod, which decides and words the
 * error. So zod stays the single source of truth; this only skips it (and its copy of the
 * object) for the common, plainly valid row. tests/unit/fast-check.test.ts holds it to that
 * over the bad-input corpus and random mutations.
 */
import { CATEGORIES, CHANNELS, CONTROL, GROUPS, LONE_SURROGATE, REPORTER_ROLES, REPORT_TYPES, VISIT_KINDS, WORKER_ROLES, isInstant, type ReportEvent, type VisitEvent } from './schema.ts'

const set = (xs: readonly string[]) => new Set<unknown>(xs)
const TYPES = set(REPORT_TYPES)
const CATS = set(CATEGORIES)
const CHANS = set(CHANNELS)
const ROLES = set(REPORTER_ROLES)
const WROLES = set(WORKER_ROLES)
const GRPS = set(GROUPS)
const KINDS = set(VISIT_KINDS)
const REPORT_KEYS = set(['event_id', 'report_id', 'type', 'at', 'micro_grid', 'category', 'channel', 'reporter_role', 'lat', 'lon', 'severity', 'department', 'note'])
const VISIT_KEYS = set(['event_id', 'at', 'micro_grid', 'worker_id', 'worker_role', 'household', 'groups', 'kind', 'duration_min', 'follow_up', 'note'])

function str(v: unknown, min: number, max: number): boolean {
  return typeof v === 'string' && v.length >= min && v.length <= max && !LONE_SURROGATE.test(v)
}

/** An id or a name: a string without control characters. */
function line(v: unknown, min: number, max: number): boolean {
  return str(v, min, max) && !CONTROL.test(v as string)
}

function num(v: unknown, min: number, max: number): boolean {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max
}

function onlyKeys(o: object, allowed: Set<unknown>): boolean {
  for (const k in o) if (!allowed.has(k)) return false
  return true
}

const plainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export function isPlainValidReport(v: unknown): v is ReportEvent {
  if (!plainObject(v) || !onlyKeys(v, REPORT_KEYS)) return false
  if (!line(v.event_id, 1, 64) || !line(v.report_id, 1, 64) || !line(v.micro_grid, 1, 128) || !TYPES.has(v.type)) return false
  if (typeof v.at !== 'string' || !isInstant(v.at)) return false
  if (v.category === undefined ? v.type === 'reported' : !CATS.has(v.category)) return false
  if (v.channel !== undefined && !CHANS.has(v.channel)) return false
  if (v.reporter_role !== undefined && !ROLES.has(v.reporter_role)) return false
  if (v.lat === undefined || v.lon === undefined) {
    if (v.lat !== v.lon) return false
  } else if (!num(v.lat, -90, 90) || !num(v.lon, -180, 180)) return false
  if (v.severity !== undefined && !(Number.isSafeInteger(v.severity) && num(v.severity, 1, 3))) return false
  if (v.department !== undefined && !line(v.department, 0, 128)) return false
  if (v.note !== undefined && !str(v.note, 0, 2000)) return false
  return true
}

export function isPlainValidVisit(v: unknown): v is VisitEvent {
  if (!plainObject(v) || !onlyKeys(v, VISIT_KEYS)) return false
  if (!line(v.event_id, 1, 64) || !line(v.micro_grid, 1, 128) || !line(v.worker_id, 1, 64) || !line(v.household, 1, 64)) return false
  if (typeof v.at !== 'string' || !isInstant(v.at)) return false
  if (!WROLES.has(v.worker_role) || !KINDS.has(v.kind)) return false
  if (!Array.isArray(v.groups) || v.groups.length > GROUPS.length || !v.groups.every((g) => GRPS.has(g))) return false
  if (v.duration_min !== undefined && !(Number.isSafeInteger(v.duration_min) && num(v.duration_min, 0, 1440))) return false
  if (v.follow_up !== undefined && typeof v.follow_up !== 'boolean') return false
  if (v.note !== undefined && !str(v.note, 0, 2000)) return false
  return true
}
