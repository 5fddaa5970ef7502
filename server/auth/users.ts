/**
 * Users: kept in memory, written through to `users` (last write wins). Passwords are checked
 * against scrypt hashes; usernames are case-insensitive.
 */
import crypto from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import type { UserRole, UserView } from '../contracts/auth.ts'
import type { Scope } from '../contracts/live.ts'
import { chTime, nextVersion, parseChTime } from '../../sql/queries.ts'
import { dummyHash, hashPassword, verifyPassword } from './passwords.ts'
import { Reloads } from './reloads.ts'

export interface User {
  id: string
  username: string
  displayName: string
  role: UserRole
  scope: Scope
  passwordHash: string
  demo: boolean
  createdAt: number
  disabledAt: number | null
}

interface UserRow {
  id: string
  username: string
  display_name: string
  role: UserRole
  scope: Scope
  password_hash: string
  demo: number
  created_at: string
  disabled_at: string | null
}

export function userView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    scope: u.scope,
    demo: u.demo,
    createdAt: new Date(u.createdAt).toISOString(),
    disabledAt: u.disabledAt === null ? null : new Date(u.disabledAt).toISOString(),
  }
}

export class UserStore {
  private byId = new Map<string, User>()

  constructor(private readonly client: ClickHouseClient) {}

  private readonly reloads = new Reloads<string, User>(
    async () => {
      const rs = await this.client.query({
        query: 'SELECT id, username, display_name, role, scope, password_hash, demo, created_at, disabled_at FROM users FINAL',
        format: 'JSONEachRow',
      })
      return new Map(
        (await rs.json<UserRow>()).map((r) => [
          r.id,
          {
            id: r.id,
            username: r.username,
            displayName: r.display_name,
            role: r.role,
            scope: r.scope,
            passwordHash: r.password_hash,
            demo: Number(r.demo) === 1,
            createdAt: parseChTime(r.created_at) ?? 0,
            disabledAt: parseChTime(r.disabled_at),
          },
        ]),
      )
    },
    (next) => (this.byId = next),
  )

  /** Reads the users (again); a user written meanwhile here is kept. */
  load(): Promise<void> {
    // Made now, so the first sign-in of an unknown name takes as long as any other.
    void dummyHash()
    return this.reloads.load()
  }

  /** Called after every user this process writes (scaled out: to tell the others). */
  onWrite(listener: () => void): void {
    this.reloads.onWrite(listener)
  }

  get size(): number {
    return this.byId.size
  }

  list(): User[] {
    return [...this.byId.values()].sort((a, b) => a.username.localeCompare(b.username))
  }

  get(id: string): User | undefined {
    return this.byId.get(id)
  }

  byUsername(username: string): User | undefined {
    const name = username.trim().toLowerCase()
    for (const u of this.byId.values()) if (u.username === name) return u
    return undefined
  }

  /** The active user with these credentials, or undefined (same work either way). */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const u = this.byUsername(username)
    const ok = await verifyPassword(password, u?.passwordHash ?? (await dummyHash()))
    return ok && u && u.disabledAt === null ? u : undefined
  }

  async create(input: { username: string; displayName?: string; role: UserRole; scope: Scope; password: string; demo?: boolean }): Promise<User> {
    const user: User = {
      id: crypto.randomUUID(),
      username: input.username.trim().toLowerCase(),
      displayName: input.displayName?.trim() || input.username.trim(),
      role: input.role,
      scope: input.scope,
      passwordHash: await hashPassword(input.password),
      demo: input.demo ?? false,
      createdAt: Date.now(),
      disabledAt: null,
    }
    await this.write(user)
    return user
  }

  async update(id: string, change: { displayName?: string; role?: UserRole; scope?: Scope; password?: string; disabled?: boolean }): Promise<User> {
    const old = this.byId.get(id)
    if (!old) throw new Error(`no user ${id}`)
    const user: User = {
      ...old,
      displayName: change.displayName?.trim() || old.displayName,
      role: change.role ?? old.role,
      scope: change.scope ?? old.scope,
      passwordHash: change.password !== undefined ? await hashPassword(change.password) : old.passwordHash,
      disabledAt: change.disabled === undefined ? old.disabledAt : change.disabled ? (old.disabledAt ?? Date.now()) : null,
    }
    await this.write(user)
    return user
  }

  private async write(u: User): Promise<void> {
    await this.client.insert({
      table: 'users',
      values: [
        {
          id: u.id,
          username: u.username,
          display_name: u.displayName,
          role: u.role,
          scope: u.scope,
          password_hash: u.passwordHash,
          demo: u.demo ? 1 : 0,
          created_at: chTime(u.createdAt),
          disabled_at: u.disabledAt === null ? null : chTime(u.disabledAt),
          version: nextVersion(),
        },
      ],
      format: 'JSONEachRow',
    })
    this.byId.set(u.id, u)
    this.reloads.wrote(u.id, u)
  }
}
