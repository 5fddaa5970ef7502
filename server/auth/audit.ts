/**
 * The audit log: sign-ins, admin actions, key use. Entries are buffered and written in small
 * batches (every second), so auditing never holds up the request it records.
 */
import type { ClickHouseClient } from '@clickhouse/client'
import type { AuditEntry } from '../contracts/auth.ts'
import { chTime, parseChTime } from '../../sql/queries.ts'
import type { Logger } from '../log.ts'

export interface AuditRecord {
  actor: string
  action: string
  target?: string
  ok?: boolean
  ip?: string
  detail?: string
}

/** Key use is recorded once per key per this interval, not per request. */
const KEY_USE_EVERY_MS = 10 * 60_000

export class Audit {
  private buffer: Array<Record<string, unknown>> = []
  private timer: NodeJS.Timeout | undefined
  private flushing: Promise<void> | undefined
  private readonly keyUseSeen = new Map<string, number>()

  constructor(
    private readonly client: ClickHouseClient,
    private readonly log: Logger,
  ) {}

  record(r: AuditRecord): void {
    this.buffer.push({ at: chTime(Date.now()), actor: r.actor, action: r.action, target: r.target ?? '', ok: r.ok === false ? 0 : 1, ip: r.ip ?? '', detail: r.detail ?? '' })
    this.timer ??= setTimeout(() => void this.flush(), 1000)
  }

  /** Records that a key was used, at most once per key per ten minutes. */
  keyUsed(keyId: string, ip: string, route: string): void {
    const now = Date.now()
    if (now - (this.keyUseSeen.get(keyId) ?? 0) < KEY_USE_EVERY_MS) return
    this.keyUseSeen.set(keyId, now)
    this.record({ actor: `key:${keyId}`, action: 'key.use', target: route, ip })
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    await this.flushing
    const values = this.buffer
    this.buffer = []
    if (values.length === 0) return
    this.flushing = this.client
      .insert({ table: 'audit_log', values, format: 'JSONEachRow' })
      .then(() => undefined)
      .catch((e: unknown) => {
        // Kept for the next flush rather than lost; reported so a broken store is seen.
        this.buffer.unshift(...values)
        this.log.error('audit write failed', { error: String(e), entries: values.length })
      })
    await this.flushing
  }

  async latest(limit: number): Promise<AuditEntry[]> {
    await this.flush()
    const rs = await this.client.query({
      query: 'SELECT at, actor, action, target, ok, ip, detail FROM audit_log ORDER BY at DESC LIMIT {limit:UInt32}',
      query_params: { limit },
      format: 'JSONEachRow',
    })
    return (await rs.json<{ at: string; actor: string; action: string; target: string; ok: number; ip: string; detail: string }>()).map((r) => ({
      at: new Date(parseChTime(r.at) ?? 0).toISOString(),
      actor: r.actor,
      action: r.action,
      target: r.target,
      ok: Number(r.ok) === 1,
      ip: r.ip,
      detail: r.detail,
    }))
  }
}
