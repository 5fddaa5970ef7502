/**
 * Accounts, roles and scopes (issue 3): the shapes of the session and admin API, shared with
 * the dashboard's login and admin pages.
 *
 * Who is who:
 * - admin, leader, analyst: people, signed in with a password (session cookie).
 * - display: a wall display token (kiosk screens), read-only, bearer or `?token=`.
 * - ingest: a source's ingest key, may only write events.
 * Everyone has a scope (city, district, street or community) and sees that scope and below.
 */
import type { Scope } from './live.ts'

export type UserRole = 'admin' | 'leader' | 'analyst'
export type Role = UserRole | 'display' | 'ingest'
export const USER_ROLES: readonly UserRole[] = ['admin', 'leader', 'analyst']

/** `GET /api/v1/session`: who the caller is; `csrfToken` goes in `X-CSRF-Token` on every write. */
export interface SessionInfo {
  user: { id: string; username: string; displayName: string; role: Role; scope: Scope; demo: boolean } | null
  csrfToken: string | null
}

/** `POST /api/v1/session` body (sign in). */
export interface SignIn {
  username: string
  password: string
}

export interface UserView {
  id: string
  username: string
  displayName: string
  role: UserRole
  scope: Scope
  demo: boolean
  createdAt: string
  disabledAt: string | null
}

/** `POST /api/v1/admin/users` body. */
export interface UserInput {
  username: string
  displayName?: string
  role: UserRole
  scope: Scope
  password: string
}

/** `PATCH /api/v1/admin/users/:id`: any of these; `password` resets it, `disabled` locks or unlocks. */
export type UserPatch = Partial<Omit<UserInput, 'username'>> & { disabled?: boolean }

/** One category's service level: verify within, resolve within, minutes from the report. */
export interface SlaRow {
  verifyMin: number
  resolveMin: number
}

/** `GET/PUT /api/v1/admin/sla` carry `{ sla: SlaSettings }`; PUT may send only some categories. */
export type SlaSettings = Record<string, SlaRow>

export type KeyKind = 'ingest' | 'display'

export interface KeyView {
  id: string
  kind: KeyKind
  name: string
  scope: Scope
  createdAt: string
  revokedAt: string | null
}

/** `POST /api/v1/admin/keys` body. */
export interface KeyInput {
  kind: KeyKind
  name: string
  scope: Scope
}

/** Answer of creating or rotating a key: the secret is shown this once and never again. */
export interface KeySecret {
  key: KeyView
  secret: string
}

export interface AuditEntry {
  at: string
  actor: string
  action: string
  target: string
  ok: boolean
  ip: string
  detail: string
}

/** Every error answer of the API: `{ error }` with the HTTP status saying which kind. */
export interface ApiError {
  error: string
}
