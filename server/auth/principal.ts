/**
 * Who is asking, and what they may see. A principal is a signed-in user, a display token or an
 * ingest key; every one has a role and a scope, and sees its scope and everything below it.
 */
import type { Role } from '../contracts/auth.ts'
import type { Scope } from '../contracts/live.ts'
import { parseScope } from '../contracts/live.ts'
import type { Registry } from '../../ingest/registry/registry.ts'

export interface Principal {
  kind: 'user' | 'display' | 'ingest'
  /** User id or key id. */
  id: string
  /** Username or key name, for messages and the audit log. */
  name: string
  role: Role
  scope: Scope
  /** The session this request came with (users only). */
  sessionId?: string
  csrfToken?: string
}

/** `user:alice` / `key:demo-display`: how the audit log names a principal. */
export function actorOf(p: Principal | undefined): string {
  if (!p) return 'anonymous'
  return p.kind === 'user' ? `user:${p.name}` : `key:${p.id}`
}

/** Whether `outer` covers `inner`: the same place or one of its ancestors (the city covers all). */
export function scopeCovers(registry: Registry, outer: Scope, inner: Scope): boolean {
  if (outer === 'city') return true
  const o = parseScope(outer)
  const i = parseScope(inner)
  if (!o || !i || i.level === 'city') return false
  return registry.ancestors(i.code).some((p) => p.code === o.code && p.level === o.level)
}

/** Whether a place (of any level) lies inside a scope: the scope's place or below it. */
export function scopeHasPlace(registry: Registry, scope: Scope, code: string): boolean {
  if (scope === 'city') return true
  const s = parseScope(scope)
  return !!s && registry.ancestors(code).some((p) => p.code === s.code && p.level === s.level)
}

/** Checks a scope string names a real place of the right level. */
export function isKnownScope(registry: Registry, scope: string): scope is Scope {
  const s = parseScope(scope)
  if (!s) return false
  if (s.level === 'city') return true
  return registry.byCode.get(s.code)?.level === s.level
}

/** What each role may do; scope limits come on top. */
export const PERMISSIONS = {
  /** The wall: live snapshots, patches, ticker; the registry. */
  'live:read': ['admin', 'leader', 'analyst', 'display'],
  /** The leaders' monthly review: trends, rankings, the monthly pack. */
  'trends:read': ['admin', 'leader', 'analyst'],
  /** The SQL console and its ClickHouse-compatible endpoint: read-only SQL over the event store. */
  'sql:run': ['admin', 'analyst'],
  /** Sending events. */
  'events:write': ['ingest'],
  /** Users, keys, registry import, SLA, audit. */
  'admin': ['admin'],
} as const satisfies Record<string, readonly Role[]>

export type Permission = keyof typeof PERMISSIONS

export function can(p: Principal | undefined, perm: Permission): boolean {
  return !!p && (PERMISSIONS[perm] as readonly Role[]).includes(p.role)
}
