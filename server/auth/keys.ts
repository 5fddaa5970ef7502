/**
 * Ingest keys and wall display tokens (DESIGN §8). Only a SHA-256 of each secret is stored;
 * the secret is shown once when created or rotated. Lookups hit an in-memory copy written
 * through to `api_keys`; revoking or rotating takes effect at once (see onRevoke for sockets).
 */
import crypto from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import type { KeyKind, KeyView } from '../contracts/auth.ts'
import type { Scope } from '../contracts/live.ts'
import { chTime, nextVersion, parseChTime } from '../../sql/queries.ts'
import { Reloads } from './reloads.ts'

export type { KeyKind }

export interface ApiKey {
  id: string
  kind: KeyKind
  name: string
  scope: Scope
}

interface StoredKey extends ApiKey {
  secretHash: string
  createdAt: number
  revokedAt: number | null
}

interface KeyRow {
  id: string
  kind: KeyKind
  name: string
  scope: Scope
  secret_sha256: string
  created_at: string
  revoked_at: string | null
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex')

export function newSecret(kind: KeyKind): string {
  return `${kind === 'ingest' ? 'gpi' : 'gpd'}_${crypto.randomBytes(24).toString('base64url')}`
}

export function keyView(k: StoredKey): KeyView {
  return {
    id: k.id,
    kind: k.kind,
    name: k.name,
    scope: k.scope,
    createdAt: new Date(k.createdAt).toISOString(),
    revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt).toISOString(),
  }
}

export class KeyStore {
  private byId = new Map<string, StoredKey>()
  private bySecretHash = new Map<string, StoredKey>()
  private readonly revokeListeners: Array<(id: string) => void> = []

  constructor(private readonly client: ClickHouseClient) {}

  private readonly reloads = new Reloads<string, StoredKey>(
    async () => {
      const rs = await this.client.query({
        query: 'SELECT id, kind, name, scope, secret_sha256, created_at, revoked_at FROM api_keys FINAL',
        format: 'JSONEachRow',
      })
      return new Map(
        (await rs.json<KeyRow>()).map((r) => [
          r.id,
          { id: r.id, kind: r.kind, name: r.name, scope: r.scope, secretHash: r.secret_sha256, createdAt: parseChTime(r.created_at) ?? 0, revokedAt: parseChTime(r.revoked_at) },
        ]),
      )
    },
    (next) => {
      this.byId = next
      this.reindex()
    },
  )

  /** Reads the keys (again); a key written meanwhile here is kept. */
  load(): Promise<void> {
    return this.reloads.load()
  }

  /** Called after every key this process writes (scaled out: to tell the others). */
  onWrite(listener: () => void): void {
    this.reloads.onWrite(listener)
  }

  /** The live key a bearer secret belongs to, or undefined. */
  verify(secret: string): ApiKey | undefined {
    const k = this.bySecretHash.get(sha256(secret))
    return k ? { id: k.id, kind: k.kind, name: k.name, scope: k.scope } : undefined
  }

  /** Whether a key with this id was ever created (revoked or not). */
  /** The key exists and is not revoked. */
  live(id: string): boolean {
    return this.byId.get(id)?.revokedAt === null
  }

  exists(id: string): boolean {
    return this.byId.has(id)
  }

  count(kind: KeyKind): number {
    let n = 0
    for (const k of this.bySecretHash.values()) if (k.kind === kind) n++
    return n
  }

  list(): KeyView[] {
    return [...this.byId.values()].sort((a, b) => b.createdAt - a.createdAt).map(keyView)
  }

  get(id: string): StoredKey | undefined {
    return this.byId.get(id)
  }

  /** Called when a key stops working (revoked or rotated), to close its sockets. */
  onRevoke(listener: (id: string) => void): void {
    this.revokeListeners.push(listener)
  }

  /** Creates (or, for a fixed id, replaces) a key with the given secret. */
  async put(key: ApiKey, secret: string): Promise<KeyView> {
    const replaced = this.byId.has(key.id)
    const stored: StoredKey = { ...key, secretHash: sha256(secret), createdAt: Date.now(), revokedAt: null }
    await this.write(stored)
    if (replaced) this.revokeListeners.forEach((l) => l(key.id))
    return keyView(stored)
  }

  /** Creates a key with a fresh secret; the secret is returned this once. */
  async create(kind: KeyKind, name: string, scope: Scope): Promise<{ key: KeyView; secret: string }> {
    const secret = newSecret(kind)
    const key = await this.put({ id: `${kind}-${crypto.randomBytes(6).toString('hex')}`, kind, name, scope }, secret)
    return { key, secret }
  }

  async revoke(id: string): Promise<KeyView | undefined> {
    const k = this.byId.get(id)
    if (!k) return undefined
    if (k.revokedAt === null) {
      await this.write({ ...k, revokedAt: Date.now() })
      this.revokeListeners.forEach((l) => l(id))
    }
    return keyView(this.byId.get(id)!)
  }

  /** A new secret for the same key (same id, name, scope); the old secret stops at once. */
  async rotate(id: string): Promise<{ key: KeyView; secret: string } | undefined> {
    const k = this.byId.get(id)
    if (!k || k.revokedAt !== null) return undefined
    const secret = newSecret(k.kind)
    const key = await this.put({ id: k.id, kind: k.kind, name: k.name, scope: k.scope }, secret)
    return { key, secret }
  }

  private async write(k: StoredKey): Promise<void> {
    await this.client.insert({
      table: 'api_keys',
      values: [
        {
          id: k.id,
          kind: k.kind,
          name: k.name,
          scope: k.scope,
          secret_sha256: k.secretHash,
          created_at: chTime(k.createdAt),
          revoked_at: k.revokedAt === null ? null : chTime(k.revokedAt),
          version: nextVersion(),
        },
      ],
      format: 'JSONEachRow',
    })
    this.byId.set(k.id, k)
    this.reindex()
    this.reloads.wrote(k.id, k)
  }

  private reindex(): void {
    this.bySecretHash = new Map([...this.byId.values()].filter((k) => k.revokedAt === null).map((k) => [k.secretHash, k]))
  }
}
