/**
 * Sign-in sessions. The cookie holds a random id; only its SHA-256 is stored. Sessions live in
 * memory (written through to `sessions`, so they survive a restart) and end at expiry, on sign
 * out, or when an admin disables the user — at once, including open sockets (see onEnd).
 */
import crypto from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import { chTime, nextVersion, parseChTime } from '../../sql/queries.ts'
import { Reloads } from './reloads.ts'

export const SESSION_COOKIE = 'gp_session'
export const SESSION_TTL_MS = 12 * 3_600_000

export interface Session {
  idHash: string
  userId: string
  csrfToken: string
  createdAt: number
  expiresAt: number
}

interface SessionRow {
  id_sha256: string
  user_id: string
  csrf_token: string
  created_at: string
  expires_at: string
  revoked_at: string | null
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex')

export class SessionStore {
  private byHash = new Map<string, Session>()
  private readonly endListeners: Array<(s: Session) => void> = []

  constructor(
    private readonly client: ClickHouseClient,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly reloads = new Reloads<string, Session>(
    async () => {
      const rs = await this.client.query({
        query: 'SELECT id_sha256, user_id, csrf_token, created_at, expires_at, revoked_at FROM sessions FINAL WHERE revoked_at IS NULL AND expires_at > now64(3)',
        format: 'JSONEachRow',
      })
      return new Map(
        (await rs.json<SessionRow>()).map((r) => [
          r.id_sha256,
          { idHash: r.id_sha256, userId: r.user_id, csrfToken: r.csrf_token, createdAt: parseChTime(r.created_at) ?? 0, expiresAt: parseChTime(r.expires_at) ?? 0 },
        ]),
      )
    },
    (next) => (this.byHash = next),
  )

  /** Reads the live sessions (again); a sign-in or sign-out made meanwhile here is kept. */
  load(): Promise<void> {
    return this.reloads.load()
  }

  /** Called after every session this process starts or ends (scaled out: to tell the others). */
  onWrite(listener: () => void): void {
    this.reloads.onWrite(listener)
  }

  /** Called when a session ends early (sign out, user disabled), to close its sockets. */
  onEnd(listener: (s: Session) => void): void {
    this.endListeners.push(listener)
  }

  /** Starts a session; returns the cookie value (shown to the client only). */
  async create(userId: string): Promise<{ cookie: string; session: Session }> {
    const cookie = crypto.randomBytes(32).toString('base64url')
    const now = this.now()
    const session: Session = { idHash: sha256(cookie), userId, csrfToken: crypto.randomBytes(24).toString('base64url'), createdAt: now, expiresAt: now + SESSION_TTL_MS }
    await this.write(session, null)
    this.byHash.set(session.idHash, session)
    this.reloads.wrote(session.idHash, session)
    return { cookie, session }
  }

  /** The live session of a cookie value, or undefined. */
  get(cookie: string | undefined): Session | undefined {
    if (!cookie) return undefined
    const s = this.byHash.get(sha256(cookie))
    if (!s) return undefined
    if (s.expiresAt <= this.now()) {
      this.byHash.delete(s.idHash)
      return undefined
    }
    return s
  }

  /** Whether the session with this id hash is still live (not ended, not expired). */
  alive(idHash: string): boolean {
    const s = this.byHash.get(idHash)
    return !!s && s.expiresAt > this.now()
  }

  async end(session: Session): Promise<void> {
    if (!this.byHash.delete(session.idHash)) return
    this.reloads.wrote(session.idHash, null)
    await this.write(session, this.now())
    for (const l of this.endListeners) l(session)
  }

  /** Ends every session of a user, except the one with `keepIdHash` if given. */
  async endAllOf(userId: string, keepIdHash?: string): Promise<void> {
    for (const s of [...this.byHash.values()]) if (s.userId === userId && s.idHash !== keepIdHash) await this.end(s)
  }

  private async write(s: Session, revokedAt: number | null): Promise<void> {
    await this.client.insert({
      table: 'sessions',
      values: [
        {
          id_sha256: s.idHash,
          user_id: s.userId,
          csrf_token: s.csrfToken,
          created_at: chTime(s.createdAt),
          expires_at: chTime(s.expiresAt),
          revoked_at: revokedAt === null ? null : chTime(revokedAt),
          version: nextVersion(),
        },
      ],
      format: 'JSONEachRow',
    })
  }
}
