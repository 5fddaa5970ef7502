/**
 * Five pages, chosen by `location.pathname` (no router library: the wall is one screen, the
 * others are a review page, the SQL console and plain forms). Everything here is pure so the rules can be read in one place.
 */
export type Page = 'wall' | 'login' | 'admin' | 'trends' | 'console'

export function pageOf(pathname: string): Page {
  const p = pathname.replace(/\/+$/, '') || '/'
  if (p === '/login') return 'login'
  if (p === '/admin') return 'admin'
  if (p === '/trends') return 'trends'
  if (p === '/console') return 'console'
  return 'wall'
}

/** Where the visitor is now, as a `next` for the login page to come back to. */
export function currentPath(): string {
  const { pathname, search, hash } = window.location
  return pathname + search + hash
}

export function loginPath(next: string): string {
  return next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`
}

/**
 * The `?next=` of the login page, only if it stays on this origin: an open redirect would let a
 * crafted link send someone, freshly signed in, to a look-alike site. Anything else goes home.
 */
export function safeNext(raw: string | null): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/'
  let url: URL
  try {
    url = new URL(raw, window.location.origin)
  } catch {
    return '/'
  }
  if (url.origin !== window.location.origin || pageOf(url.pathname) === 'login') return '/'
  return url.pathname + url.search + url.hash
}

/** The link a wall screen opens once; it then runs on the display token alone. */
export function kioskUrl(scope: string, token: string): string {
  // The scope stays readable (its characters are URL-safe); a token may contain +, / or =.
  return `${window.location.origin}/?scope=${scope}&token=${encodeURIComponent(token)}`
}
