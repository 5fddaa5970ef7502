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

/** A lifecycle stage's response today, against the SLA where the SLA sets one (verify, resolve). */
export interface StageResponse extends Percentiles {
  /** Of the n, how many finished within their category's SLA for this stage. */
  onTime?: number
  /** The median SLA (minutes from reported) of the n reports, to read p50/p90 against. */
  slaMin?: number
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

/**
 * One child unit in the wall's fair ranking (排名). Volumes are per 100 households so a big
 * community does not top or tail it by size alone; units that resolved fewer than
 * `RANKING_MIN_VOLUME` reports in 7 days are listed but not ranked (one quick fix is no record).
 */
export interface RankingRow {
  code: string
  name: string
  nameEn: string
  households: number
  /** Reports in the last 7 days, and the same per 100 households (one decimal). */
  reported7d: number
  per100: number
  /** Reports resolved in the last 7 days, and how many of them within their category's SLA. */
  resolved7d: number
  onTime7d: number
  /** Open now and past the SLA, and the same per 100 households (two decimals). */
  overdue: number
  overduePer100: number
  /** 1 = best on-time rate (ties: fewer overdue per 100 households); absent below the minimum volume. */
  rank?: number
  /** Key-population households visited in the last 7 days ÷ the registry's key households, 0…1; absent without key households. */
  coverage?: number
}

/** Reports per H3 cell (resolution `hexRes` of the snapshot) in the last 24 hours and 7 days. */
export interface HexCell {
  n24: number
  n7: number
  /** The cell's boundary, [lon, lat] pairs flattened (lon0, lat0, lon1, lat1, …), 5 decimals. */
  ring: number[]
}

/** A key-population household not visited for longer than the weekly rule (每周巡访). */
export interface VisitDue {
  household: string
  microGrid: string
  place: string
  placeEn: string
  /** ISO instant of its last visit. */
  lastAt: string
  /** Whole days since then. */
  days: number
  groups: string[]
}

/** Key-population visit coverage of the scope: the weekly-visit rule, measured. */
export interface VisitCoverage {
  /** The registry's key-population households in the scope. */
  keyHouseholds: number
  /** Distinct key-population households visited in the last 7 days. */
  visited7d: number
  /** Households whose last visit is more than 7 days old (seen in the last 60 days). */
  dueCount: number
  /** The longest-unvisited of them, most overdue first (at most VISIT_DUE_LIST). */
  due: VisitDue[]
}

/**
 * Something the room must see now: an emergency report (at once, while it is open and under
 * EMERGENCY_ALERT_MIN old), or a spike — a category in a community far above its usual level
 * (last 24 hours against the daily mean of the 28 days before).
 */
export interface WallAlert {
  /** Stable while the alert lasts (emergency:<report id> or spike:<community>:<category>). */
  id: string
  kind: 'emergency' | 'spike'
  category: string
  /** Micro-grid (emergency) or community (spike) code. */
  code: string
  place: string
  placeEn: string
  /** ISO instant: reported (emergency), or the first report of the spike window. */
  at: string
  reportId?: string
  /** Spike: reports in the last 24 hours, and the usual number per day. */
  count?: number
  usual?: number
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
  yesterday: TodayFigures
  /** Response times (minutes from reported) of stages completed today, against the SLA. */
  response: { verify: StageResponse; dispatch: StageResponse; resolve: StageResponse; close: StageResponse }
  /** Level of the children below (a community's children are its general grids). */
  childLevel: 'district' | 'street' | 'community' | 'grid'
  children: ChildFigures[]
  /**
   * Reports of the last 24 hours per child and local hour of day: code → 24 counts. Rolling,
   * not "today", so the wall's heatmap says something at 3 a.m. too.
   */
  heatmap: Record<string, number[]>
  /** The same over the last 7 days: code → 24 counts (refreshed every minute or so). */
  heatmap7d: Record<string, number[]>
  /** The children ranked fairly (see RankingRow): ranked first, best first, then the unranked. */
  ranking: RankingRow[]
  /** H3 resolution of `hexes` (finer the deeper the scope). */
  hexRes: number
  /** Reports per H3 cell in the scope, last 24 hours and 7 days: H3 index (hex string) → cell. */
  hexes: Record<string, HexCell>
  /** Key-population visit coverage and who is overdue for a visit. */
  visits: VisitCoverage
  /** Emergencies and spikes, newest first. */
  alerts: WallAlert[]
  /** Most recent reports in the scope, newest first. */
  ticker: TickerItem[]
  /** Today's reports by category and channel, and the mobile grid workers' share. */
  mix: ReportMix
  /** The most overdue open reports in the scope (at most OVERDUE_LIST), most overdue first. */
  overdueList: OverdueItem[]
}

/** Resolved reports in 7 days a unit needs to be ranked. */
export const RANKING_MIN_VOLUME = 5
/** Households listed as due for a visit, per scope. */
export const VISIT_DUE_LIST = 10
/** An open emergency stays an alert this long after it was reported. */
export const EMERGENCY_ALERT_MIN = 120

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
