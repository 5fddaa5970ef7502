/**
 * The live protocol (DESIGN §5): typed Socket.IO event maps and the snapshot shape.
 * The dashboard imports this file type-only through the `@contracts/*` alias; never copy it.
 */

/** `city`, `district:<code>`, `street:<code>` or `community:<code>`. */
export type Scope = 'city' | `district:${string}` | `street:${string}` | `community:${string}`

export type ScopeLevel = 'city' | 'district' | 'street' | 'community'

/**
 * Minutes from reported. p50/p90 are absent (not null) when no report finished the stage in the
 * window: snapshots travel as RFC 7386 merge patches, where null means "delete the key", so no
 * snapshot field is ever null.
 */
export interface Percentiles {
  p50?: number
  p90?: number
  /** Reports that finished the stage in the window. */
  n: number
}

export interface TodayFigures {
  /** Reports received today (local calendar day) in the scope. */
  reported: number
  verified: number
  dispatched: number
  resolved: number
  closed: number
  rejected: number
  /** Open now: not closed or rejected, whenever reported. */
  open: number
  /** Open now and past its SLA. */
  overdue: number
}

/** One child unit of the scope (districts of the city, streets of a district, …). */
export interface ChildFigures {
  code: string
  name: string
  nameEn: string
  reported: number
  resolved: number
  open: number
  overdue: number
  households: number
}

export interface TickerItem {
  reportId: string
  at: string
  category: string
  channel: string
  reporterRole: string
  severity: number
  microGrid: string
  /** Display path, e.g. 大弯街道 · 团结路社区 · 第3网格. */
  place: string
  placeEn: string
  /** Masked: personal numbers already redacted at ingest, shortened here. */
  note: string
}

/** Today's reports in the scope by category and by channel, and how many came from mobile grid workers (couriers, riders). */
export interface ReportMix {
  categories: Record<string, number>
  channels: Record<string, number>
  /** Reports today from mobile grid workers (reporter_role = mobile_worker). */
  mobile: number
}

/** An open report past its SLA, for the wall's overdue list (most overdue first). */
export interface OverdueItem {
  reportId: string
  category: string
  microGrid: string
  /** Display path, e.g. 大弯街道 · 团结路社区 · 第3网格. */
  place: string
  placeEn: string
  /** ISO instant it was reported (or, when its `reported` event is late, its first event). */
  since: string
  /** The SLA it is past: verification, or resolution. */
  stage: 'verify' | 'resolve'
  /** Minutes past that SLA. */
  overdueMin: number
}

export interface LiveSnapshot {
  scope: Scope
  /** Increments with every patch of this scope; a gap means re-subscribe. */
  seq: number
  /** ISO instant of the data. */
  asOf: string
  /** The local calendar day the `today` figures count, YYYY-MM-DD in `tz`. */
  day: string
  tz: string
  name: string
  nameEn: string
  /** The scope and its parents, outermost first (city … this scope), for a breadcrumb. */
  path: Array<{ scope: Scope; name: string; nameEn: string }>
  today: TodayFigures
  /** Same figures at the same time of day yesterday, for the change arrows. */
  yesterday: Pick<TodayFigures, 'reported' | 'resolved'>
  /** Response times (minutes from reported) of stages completed today. */
  response: { verify: Percentiles; dispatch: Percentiles; resolve: Percentiles; close: Percentiles }
  /** Level of the children below (a community's children are its general grids). */
  childLevel: 'district' | 'street' | 'community' | 'grid'
  children: ChildFigures[]
  /**
   * Reports of the last 24 hours per child and local hour of day: code → 24 counts. Rolling,
   * not "today", so the wall's heatmap says something at 3 a.m. too.
   */
  heatmap: Record<string, number[]>
  /** Most recent reports in the scope, newest first. */
  ticker: TickerItem[]
  /** Today's reports by category and channel, and the mobile grid workers' share. */
  mix: ReportMix
  /** The most overdue open reports in the scope (at most OVERDUE_LIST), most overdue first. */
  overdueList: OverdueItem[]
}

export type SubscribeAck = { ok: true; snapshot: LiveSnapshot } | { ok: false; error: string }

export interface LivePatch {
  scope: Scope
  seq: number
  /** RFC 7386 merge patch from the snapshot at seq-1. */
  patch: Record<string, unknown>
}

export interface ClientToServerEvents {
  'live:subscribe': (req: { scope: string }, ack: (res: SubscribeAck) => void) => void
}

export interface ServerToClientEvents {
  'live:patch': (p: LivePatch) => void
  'live:report': (r: TickerItem & { scopes: Scope[] }) => void
}

const SCOPE_RE = /^(city|(district|street|community):[A-Za-z0-9._-]{1,128})$/

/** Parses a scope string; returns null when malformed (existence is checked by the server). */
export function parseScope(raw: unknown): { scope: Scope; level: ScopeLevel; code: string } | null {
  if (typeof raw !== 'string' || !SCOPE_RE.test(raw)) return null
  if (raw === 'city') return { scope: 'city', level: 'city', code: '' }
  const i = raw.indexOf(':')
  return { scope: raw as Scope, level: raw.slice(0, i) as ScopeLevel, code: raw.slice(i + 1) }
}
