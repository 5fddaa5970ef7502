/**
 * The wire contract of events (DESIGN §3) as zod schemas. Strict: an unknown field is an
 * error that names it, so a typo in a source never silently drops data.
 */
import { z } from 'zod'

export const REPORT_TYPES = ['reported', 'verified', 'dispatched', 'resolved', 'closed', 'reopened', 'rejected'] as const
export const CATEGORIES = [
  'safety_hazard',
  'neighbour_dispute',
  'public_facility',
  'sanitation',
  'clutter',
  'illegal_parking',
  'flying_wire_charging',
  'illegal_ads',
  'emergency',
  'other',
] as const
export const CHANNELS = ['app', 'wechat', 'phone', 'hotline', 'patrol'] as const
export const REPORTER_ROLES = ['grid_worker', 'mobile_worker', 'resident', 'staff'] as const
export const WORKER_ROLES = ['grid_worker', 'family_doctor', 'volunteer', 'staff'] as const
export const GROUPS = ['elderly', 'child', 'sick', 'disabled', 'pregnant', 'returnee'] as const
export const VISIT_KINDS = [
  'patrol',
  'home_medical',
  'online_consult',
  'health_pack',
  'vaccination',
  'checkup',
  'measurement',
  'info_collection',
] as const

export type ReportType = (typeof REPORT_TYPES)[number]
export type Category = (typeof CATEGORIES)[number]

/** ISO-8601 date-time with an explicit offset (Z or ±hh:mm); a bare local time is ambiguous. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Whether the calendar parts exist: Date.parse rolls 2026-02-30 over to March, we don't. */
function realDateTime(s: string): boolean {
  const y = Number(s.slice(0, 4))
  const mo = Number(s.slice(5, 7))
  const d = Number(s.slice(8, 10))
  const h = Number(s.slice(11, 13))
  const mi = Number(s.slice(14, 16))
  const sec = s[16] === ':' ? Number(s.slice(17, 19)) : 0
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const days = mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1]
  return days !== undefined && d >= 1 && d <= days && h <= 23 && mi <= 59 && sec <= 59 && Number.isFinite(Date.parse(s))
}

/** The UTC offsets places use run from -12:00 to +14:00: +23:59 is a typo, not a time zone. */
export const MAX_OFFSET_EAST_MIN = 14 * 60
export const MAX_OFFSET_WEST_MIN = 12 * 60

/** Whether the offset (after the time; Z, ±hh:mm or ±hhmm) is one a place could have. */
function realOffset(s: string): boolean {
  if (s.endsWith('Z')) return true
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(s)
  if (!m) return false
  const minutes = Number(m[2]) * 60 + Number(m[3])
  return Number(m[3]) <= 59 && minutes <= (m[1] === '+' ? MAX_OFFSET_EAST_MIN : MAX_OFFSET_WEST_MIN)
}

const instant = z
  .string()
  .regex(ISO_WITH_OFFSET, 'must be an ISO-8601 date-time with an offset, e.g. 2026-11-23T09:30:00+08:00')
  .refine(realDateTime, 'is not a real date-time (no such day or time)')
  .refine(realOffset, 'has a UTC offset no place uses (they run from -12:00 to +14:00)')

/** What `instant` accepts: an ISO-8601 date-time with an offset that names a real moment. */
export function isInstant(s: string): boolean {
  return ISO_WITH_OFFSET.test(s) && realDateTime(s) && realOffset(s)
}

// A lone UTF-16 surrogate can't be stored as UTF-8: refuse it here, not in the store.
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/
const text = () => z.string().refine((s) => !LONE_SURROGATE.test(s), 'is not valid Unicode (a lone surrogate)')
// Ids and names are shown on the wall, in exports and in SQL results: no control characters (a
// NUL or an escape sequence in an id is a sender's bug, never meant) and no bidi overrides or
// isolates (they make an id read as another). Notes may break lines.
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
const line = () => text().refine((s) => !CONTROL.test(s), 'must not hold control characters')
const id = (max: number) => line().min(1, 'must not be empty').max(max, `must be at most ${max} characters`)
const note = text().max(2000, 'must be at most 2,000 characters')
/**
 * One of `values`. Worded here, not in describeIssues: zod's issue for a value outside them
 * carries no input, so only here can a missing field be told from a wrong one.
 */
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values, { error: (issue) => oneOfMessage(values, issue.input) })

export const reportEventSchema = z
  .strictObject({
    event_id: id(64),
    report_id: id(64),
    type: oneOf(REPORT_TYPES),
    at: instant,
    micro_grid: id(128),
    category: oneOf(CATEGORIES).optional(),
    channel: oneOf(CHANNELS).optional(),
    reporter_role: oneOf(REPORTER_ROLES).optional(),
    lat: z.number().min(-90).max(90).optional(),
    lon: z.number().min(-180).max(180).optional(),
    severity: z.number().int().min(1).max(3).optional(),
    department: line().max(128, 'must be at most 128 characters').optional(),
    note: note.optional(),
  })
  .superRefine((e, ctx) => {
    if (e.type === 'reported' && e.category === undefined) {
      ctx.addIssue({ code: 'custom', path: ['category'], message: 'is required when type is "reported"' })
    }
    if ((e.lat === undefined) !== (e.lon === undefined)) {
      ctx.addIssue({ code: 'custom', path: [e.lat === undefined ? 'lat' : 'lon'], message: 'lat and lon come together' })
    }
  })

export const visitEventSchema = z.strictObject({
  event_id: id(64),
  at: instant,
  micro_grid: id(128),
  worker_id: id(64),
  worker_role: oneOf(WORKER_ROLES),
  household: id(64),
  groups: z.array(oneOf(GROUPS)).max(GROUPS.length),
  kind: oneOf(VISIT_KINDS),
  duration_min: z.number().int().min(0).max(1440).optional(),
  follow_up: z.boolean().optional(),
  note: note.optional(),
})

export type ReportEvent = z.infer<typeof reportEventSchema>
export type VisitEvent = z.infer<typeof visitEventSchema>
export type EventKind = 'reports' | 'visits'

const EXPECTED: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
}

/** `must be one of …`, or `is required` when the field is missing; saying what came when it was no string at all (null, a number…). */
function oneOfMessage(values: readonly string[], input: unknown): string {
  if (input === undefined) return 'is required'
  if (typeof input === 'string') return `must be one of ${values.join(', ')}`
  const got = input === null || typeof input === 'boolean' ? String(input) : (EXPECTED[Array.isArray(input) ? 'array' : typeof input] ?? typeof input)
  return `must be one of ${values.join(', ')} (got ${got})`
}

/**
 * The tightest bound of this field's `too_big` (or `too_small`) issues. An integer past the
 * safe range fails zod's own ±2^53−1 check first; the bound the sender needs is the field's.
 */
function tightestBound(issues: readonly z.core.$ZodIssue[], first: z.core.$ZodIssue): number | bigint | undefined {
  let bound: number | bigint | undefined
  const key = first.path.join('.')
  for (const i of issues) {
    if (i.code !== first.code || i.path.join('.') !== key) continue
    const b = i.code === 'too_big' ? i.maximum : i.code === 'too_small' ? i.minimum : undefined
    if (b === undefined) continue
    if (bound === undefined || (first.code === 'too_big' ? b < bound : b > bound)) bound = b
  }
  return bound
}

/** A key as it may be echoed in an error: short, and only printable. */
function shown(key: string): string {
  const k = key.length > 40 ? `${key.slice(0, 40)}…` : key
  return JSON.stringify(k)
}

/** One human sentence for a failed row, naming the field: `category: is required when …`. */
export function describeIssues(error: z.ZodError): { field: string; error: string } {
  const issue = error.issues[0]!
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys
    const listed = keys.slice(0, 3).map(shown).join(', ')
    const more = keys.length > 3 ? ` and ${keys.length - 3} more` : ''
    return { field: (keys[0] ?? '').slice(0, 40), error: `unknown field${keys.length > 1 ? 's' : ''} ${listed}${more}` }
  }
  const field = issue.path.join('.')
  let message = issue.message
  // A value outside an enum keeps the enum's own wording (oneOf), made where the input was known.
  if (issue.code === 'invalid_type') {
    const expected = (issue as { expected: string }).expected
    const received = /received (\w+)/.exec(message)?.[1]
    if (received === 'undefined') message = 'is required'
    else if (received === 'Infinity' || received === 'NaN') message = 'must be a finite number'
    else if (expected === 'int' && received === 'number') message = 'must be an integer'
    else message = `must be ${EXPECTED[expected] ?? expected}${received ? ` (got ${received === 'null' ? 'null' : `${EXPECTED[received] ?? received}`})` : ''}`
  } else if (issue.code === 'too_small' || issue.code === 'too_big') {
    const i = issue as { origin?: string; minimum?: number | bigint; maximum?: number | bigint; inclusive?: boolean }
    const bound = tightestBound(error.issues, issue)
    const word = issue.code === 'too_small' ? 'least' : 'most'
    if (i.origin === 'array') message = `must have at ${word} ${bound} item${Number(bound) === 1 ? '' : 's'}`
    else if (i.origin === 'number' || i.origin === 'int') message = `must be at ${word} ${bound}`
  }
  return { field, error: field ? `${field}: ${message}` : message }
}
