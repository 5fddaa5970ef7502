/**
 * The page URL is the wall's only configuration (kiosks are set up with a link), so scope,
 * token and language are read from it and scope changes are written back to it — a reload or
 * the back button lands on the same view.
 */
import { parseScope, type Scope } from '@contracts/live'

export const DEFAULT_SCOPE: Scope = 'city'

function params(): URLSearchParams {
  return new URLSearchParams(window.location.search)
}

/** The scope in `?scope=`, or null when it is missing or malformed. */
export function scopeFromUrl(): Scope | null {
  return parseScope(params().get('scope'))?.scope ?? null
}

/** Kiosk display token from `?token=`; the socket and fetches carry it. */
export function tokenFromUrl(): string | undefined {
  return params().get('token') || undefined
}

export function langFromUrl(): string | null {
  return params().get('lang')
}

function urlWith(key: string, value: string): string {
  const url = new URL(window.location.href)
  url.searchParams.set(key, value)
  // Keep `scope=street:123` readable in a kiosk's address bar; ':' is legal in a query.
  return url.pathname + url.search.replaceAll('%3A', ':') + url.hash
}

/** A drill-down is a navigation: it gets a history entry so Back goes up again. */
export function pushScopeToUrl(scope: Scope): void {
  if (parseScope(params().get('scope'))?.scope === scope) return
  window.history.pushState({ scope }, '', urlWith('scope', scope))
}

/** Corrections (a malformed scope, a language toggle) replace the entry instead. */
export function replaceInUrl(key: 'scope' | 'lang', value: string): void {
  window.history.replaceState(window.history.state, '', urlWith(key, value))
}

/**
 * Seconds from `?<key>=`: absent → `fallback`; `0` or `off` → null (disabled); out of
 * [min, max] clamped, so a typo in a kiosk link cannot make a wall flicker.
 */
export function secondsFromUrl(key: 'cycle' | 'rotate', fallback: number | null, min = 10, max = 3600): number | null {
  const raw = params().get(key)
  if (raw === null || raw === '') return fallback
  if (raw === '0' || raw === 'off') return null
  const n = Number(raw)
  if (!Number.isFinite(n)) return fallback
  return Math.min(max, Math.max(min, Math.round(n)))
}

/** `?sound=1`: the kiosk sounds a chime for new emergencies (browsers allow it only after a click or with an autoplay policy). */
export function soundFromUrl(): boolean {
  return params().get('sound') === '1'
}
