/**
 * Ingest keys and wall display tokens (DESIGN §8). Only a SHA-256 of each secret is stored;
 * the secret is shown once when created. Lookups hit an in-memory copy, refreshed on writes.
 * (Accounts, roles and the admin UI come with issue 3; this is the part ingest needs now.)
 */
import crypto from 'node:crypto'
import type { ClickHouseClient } from '@clickhouse/client'
import type { Scope } from '../contracts/live.ts'
import { chTime } from '../../sql/queries.ts'

export type KeyKind = 'ingest' | 'display'

export interface ApiKey {
  id: string
  kind: KeyKind
  name: string
  scope: Scope
}

interface KeyRow extends ApiKey {
  secret_sha256: string
  revoked_at: string | null
}

const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex')

export function newSecret(kind: KeyKind): string {
  return `${kind === 'ingest' ? 'gpi' : 'gpd'}_${crypto.randomBytes(24).toString('base64url')}`
}

export class KeyStore {
  private bySecretHash = new Map<string, ApiKey>()

  constructor(private readonly client: ClickHouseClient) {}

  async load(): Promise<void> {
    const rs = await this.client.query({
      query: 'SELECT id, kind, name, scope, secret_sha256, revoked_at FROM api_keys FINAL',
      format: 'JSONEachRow',
    })
    const rows = await rs.json<KeyRow>()
    this.bySecretHash = new Map(
      rows.filter((r) => r.revoked_at === null).map((r) => [r.secret_sha256, { id: r.id, kind: r.kind, name: r.name, scope: r.scope }]),
    )
  }

  /** The key a bearer secret belongs to, or undefined. Constant work whatever the secret. */
  verify(secret: string): ApiKey | undefined {
    return this.bySecretHash.get(sha256(secret))
  }

  /** Whether a key with this id was ever created (revoked or not). */
  async exists(id: string): Promise<boolean> {
    const rs = await this.client.query({ query: 'SELECT count() AS n FROM api_keys WHERE id = {id:String}', query_params: { id }, format: 'JSONEachRow' })
    const [row] = await rs.json<{ n: number | string }>()
    return Number(row?.n ?? 0) > 0
  }

  count(kind: KeyKind): number {
    let n = 0
    for (const k of this.bySecretHash.values()) if (k.kind === kind) n++
    return n
  }

  /** Creates or replaces the key with this id. */
  async put(key: ApiKey, secret: string): Promise<void> {
    const now = Date.now()
    await this.client.insert({
      table: 'api_keys',
      values: [{ ...key, secret_sha256: sha256(secret), created_at: chTime(now), revoked_at: null, version: now }],
      format: 'JSONEachRow',
    })
    await this.load()
  }
}
