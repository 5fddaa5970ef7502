/**
 * Service levels per category (DESIGN §4): a report must be verified within `verifyMin` and
 * resolved within `resolveMin` minutes of being reported; open past either, it is overdue.
 * Defaults below follow the articles' examples (a lift rescue in 10 minutes, a broken kerb
 * replaced the next day); issue 3 makes them editable by an admin.
 */
import { CATEGORIES, type Category } from '../ingest/schema.ts'

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
