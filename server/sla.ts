/**
 * Service levels per category (DESIGN §4): a report must be verified within `verifyMin` and
 * resolved within `resolveMin` minutes of being reported; open past either, it is overdue.
 * Defaults below follow the articles' examples (a lift rescue in 10 minutes, a broken kerb
 * replaced the next day); an admin may change them (`SlaStore`, `PUT /api/v1/admin/sla`).
 */
import type { ClickHouseClient } from '@clickhouse/client'
import { CATEGORIES, type Category } from '../ingest/schema.ts'
import { chTime } from '../sql/queries.ts'

export interface Sla {
  verifyMin: number
  resolveMin: number
}

export const DEFAULT_SLA: Record<Category, Sla> = {
  emergency: { verifyMin: 10, resolveMin: 60 },
  safety_hazard: { verifyMin: 120, resolveMin: 1440 },
  flying_wire_charging: { verifyMin: 120, resolveMin: 1440 },
  public_facility: { verifyMin: 240, resolveMin: 2880 },
  sanitation: { verifyMin: 240, resolveMin: 1440 },
  clutter: { verifyMin: 240, resolveMin: 2880 },
  illegal_parking: { verifyMin: 60, resolveMin: 480 },
  illegal_ads: { verifyMin: 480, resolveMin: 4320 },
  neighbour_dispute: { verifyMin: 480, resolveMin: 7200 },
  other: { verifyMin: 480, resolveMin: 4320 },
}

/** The SLA as parallel arrays, the shape the SQL's `transform()` binds. */
export interface SlaTable {
  categories: string[]
  verifyMin: number[]
  resolveMin: number[]
  defaultVerifyMin: number
  defaultResolveMin: number
}

export function slaTable(sla: Record<Category, Sla> = DEFAULT_SLA): SlaTable {
  return {
    categories: [...CATEGORIES],
    verifyMin: CATEGORIES.map((c) => sla[c].verifyMin),
    resolveMin: CATEGORIES.map((c) => sla[c].resolveMin),
    defaultVerifyMin: sla.other.verifyMin,
    defaultResolveMin: sla.other.resolveMin,
  }
}

/** The SLA in force: defaults overridden by what an admin saved in `sla_settings`. */
export class SlaStore {
  private current: Record<Category, Sla> = { ...DEFAULT_SLA }
  private tableCache: SlaTable = slaTable(this.current)
  private readonly writeListeners: Array<() => void> = []

  constructor(private readonly client: ClickHouseClient) {}

  async load(): Promise<void> {
    const rs = await this.client.query({ query: 'SELECT category, verify_min, resolve_min FROM sla_settings FINAL', format: 'JSONEachRow' })
    const next = { ...DEFAULT_SLA }
    for (const r of await rs.json<{ category: string; verify_min: number; resolve_min: number }>()) {
      if ((CATEGORIES as readonly string[]).includes(r.category)) next[r.category as Category] = { verifyMin: Number(r.verify_min), resolveMin: Number(r.resolve_min) }
    }
    this.apply(next)
  }

  get(): Record<Category, Sla> {
    return this.current
  }

  /** Called after every SLA this process saves (scaled out: to tell the others). */
  onWrite(listener: () => void): void {
    this.writeListeners.push(listener)
  }

  table(): SlaTable {
    return this.tableCache
  }

  async set(sla: Record<Category, Sla>, by: string): Promise<void> {
    const now = chTime(Date.now())
    await this.client.insert({
      table: 'sla_settings',
      values: CATEGORIES.map((c) => ({ category: c, verify_min: sla[c].verifyMin, resolve_min: sla[c].resolveMin, updated_at: now, updated_by: by })),
      format: 'JSONEachRow',
    })
    this.apply(sla)
    for (const l of this.writeListeners) l()
  }

  private apply(sla: Record<Category, Sla>): void {
    this.current = { ...sla }
    this.tableCache = slaTable(this.current)
  }
}
