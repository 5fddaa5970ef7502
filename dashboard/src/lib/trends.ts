/**
 * The trends page's URL and month arithmetic, framework-free. The URL is the view: a link
 * with `?scope=…&from=YYYY-MM&to=YYYY-MM` reproduces it, so a leader can send it round.
 * Other parameters (`lang`, `token`) are kept as they are when the view changes.
 */
import type { Scope } from '@contracts/live'
import type { Month } from '@contracts/trends'
import { MEASURES, type MeasureKey } from '@contracts/trendMeasures'

/**
 * What the URL asks for. Values are passed to the server as written, so a bad month or an
 * unknown place gets the server's message instead of silently showing something else.
 */
export interface TrendsQuery {
  scope: string | null
  from: string | null
  to: string | null
}

const MONTH_RE = /^(\d{4})-(0[1-9]|1[0-2])$/

export function isMonth(s: string | null | undefined): s is Month {
  return !!s && MONTH_RE.test(s)
}

/** `YYYY-MM` ± n months. */
export function addMonths(month: Month, n: number): Month {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const i = y * 12 + (m - 1) + n
  return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`
}

/** The month of an instant in the deployment's zone (the server buckets months there, not here). */
export function monthIn(instant: number, tz: string): Month {
  let parts: Intl.DateTimeFormatPart[]
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit' }).formatToParts(instant)
  } catch {
    parts = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit' }).formatToParts(instant)
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? ''
  return `${get('year')}-${get('month')}`
}

/** Newest first: the months a picker offers, `count` of them ending at `last`. */
export function monthOptions(last: Month, count: number): Month[] {
  return Array.from({ length: count }, (_, i) => addMonths(last, -i))
}

export function readTrendsQuery(search: string = window.location.search): TrendsQuery {
  const p = new URLSearchParams(search)
  return { scope: p.get('scope'), from: p.get('from'), to: p.get('to') }
}

/** The ranking measure in `?rank=`, when it names one. */
export function rankFromUrl(search: string = window.location.search): MeasureKey | null {
  const raw = new URLSearchParams(search).get('rank')
  return raw && raw in MEASURES ? (raw as MeasureKey) : null
}

/**
 * `path?…` with these values set (null removes one), the page's other parameters kept.
 * ':' stays readable in `scope=street:…`, as on the wall.
 */
export function withParams(path: string, values: Partial<Record<string, string | null>>, search: string = window.location.search): string {
  const p = new URLSearchParams(search)
  for (const [k, v] of Object.entries(values)) {
    if (v === null) p.delete(k)
    else if (v !== undefined) p.set(k, v)
  }
  const q = p.toString().replaceAll('%3A', ':')
  return q ? `${path}?${q}` : path
}

/** This page with some of `scope`, `from`, `to`, `rank` changed. */
export function trendsHref(values: Partial<Record<'scope' | 'from' | 'to' | 'rank' | 'token', string | null>>, search: string = window.location.search): string {
  return withParams('/trends', values, search)
}

/** The wall of the same scope, keeping the language and a kiosk's token (nothing of this page's own). */
export function wallHref(scope: string | null, search: string = window.location.search): string {
  const p = new URLSearchParams(search)
  const keep: Record<string, string> = {}
  for (const k of ['lang', 'token']) {
    const v = p.get(k)
    if (v) keep[k] = v
  }
  return withParams('/', { ...(scope ? { scope } : {}), ...keep }, '')
}

/** `GET /api/v1/trends` for a query; missing months are left to the server (its 12 months to now). */
export function trendsApiPath(q: TrendsQuery): string {
  const p = new URLSearchParams()
  if (q.scope) p.set('scope', q.scope)
  if (q.from !== null) p.set('from', q.from)
  if (q.to !== null) p.set('to', q.to)
  const s = p.toString()
  return s ? `/api/v1/trends?${s}` : '/api/v1/trends'
}

export type PackFormat = 'pdf' | 'xlsx' | 'csv'
export const PACK_FORMATS: readonly PackFormat[] = ['pdf', 'xlsx', 'csv']

/** The monthly pack of one month (built server-side from the same report), in the page's language. */
export function packHref(format: PackFormat, scope: Scope, month: Month, lang = 'zh-CN'): string {
  return `/api/v1/trends/pack.${format}?${new URLSearchParams({ scope, month, lang }).toString().replaceAll('%3A', ':')}`
}

/** Where a unit of the ranking leads: its own page, or nowhere below a community (grids are no scope). */
export function unitScope(childLevel: 'district' | 'street' | 'community' | 'grid', code: string): Scope | null {
  return childLevel === 'grid' ? null : `${childLevel}:${code}`
}

/**
 * Which of the path's scopes a user may open: their own scope and below. The path runs from the
 * city down, so everything from the user's scope on is theirs (an admin's city covers all).
 */
export function openableScopes(path: ReadonlyArray<{ scope: Scope }>, userScope: Scope | null): Set<Scope> {
  const from = userScope === null ? 0 : path.findIndex((p) => p.scope === userScope)
  return new Set(path.slice(Math.max(0, from === -1 ? path.length : from)).map((p) => p.scope))
}
