/**
 * The simulator's flat view of the registry: one row per micro-grid and per key household in
 * typed arrays, built once, so the hot loops index numbers instead of walking objects.
 */
import type { Place } from '../../server/contracts/registry.ts'
import { AGE65_SHARE, GROUP_SHARE, REPORTS_PER_MICRO_GRID_DAY, RETURNEE_SHARE, TEAM_OTHER_ROLES, TEAM_SIZE } from './model.ts'
import { Rng, Weighted, hash53Hex, hashInts, hashString } from './random.ts'
import type { Group, WorkerRole } from './wire.ts'

export interface World {
  seed: number
  seedHash: number
  /** Four base-36 characters derived from the seed, so report ids of two seeds never collide. */
  tag: string
  mgCount: number
  mgCode: string[]
  mgLat: Float64Array
  mgLon: Float64Array
  /** Picks a micro-grid in proportion to its households (its share of the report rate); undefined without micro-grids. */
  mgPick: Weighted<number> | undefined
  /** Reports per day over the whole registry before seasonal and daily factors. */
  dailyReports: number
  /** Key households, flattened over all micro-grids. */
  hhCount: number
  hhMg: Int32Array
  hhKey: Uint32Array
  /** Pseudonymous household id hex (the wire id is `H-` + this). */
  hhHex: string[]
  hhGroups: Group[][]
  hhAge65: Uint8Array
  hhReturnee: Uint8Array
  hhMedical: Uint8Array
  /** Team per micro-grid: members teamStart[mg] … teamStart[mg]+teamSize[mg]-1; the first is the family doctor. */
  teamStart: Int32Array
  teamSize: Uint8Array
  workerId: string[]
  workerRole: WorkerRole[]
}

const OTHER_ROLE = Weighted.of(TEAM_OTHER_ROLES)
const GROUP_KEYS = Object.keys(GROUP_SHARE) as Array<keyof typeof GROUP_SHARE>

/** Builds the flat world from the registry; only micro-grid places generate events. */
export function buildWorld(places: readonly Place[], seed: number): World {
  const seedHash = hashInts(seed, 0x47524944)
  // In code order, whatever order the registry came in (generated, or read back from the
  // store): the world, and with it every event id's content, must be the same after a restart.
  const mgs = places.filter((p) => p.level === 'micro_grid').sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  const mgCount = mgs.length
  const meanHouseholds = mgCount === 0 ? 1 : mgs.reduce((s, p) => s + p.households, 0) / mgCount || 1

  const mgCode = mgs.map((p) => p.code)
  const mgLat = Float64Array.from(mgs, (p) => p.lat)
  const mgLon = Float64Array.from(mgs, (p) => p.lon)
  // Rate scales with households relative to the mean, so the total stays at the per-micro-grid average.
  const rateWeights = mgs.map((p) => Math.max(0, p.households) / meanHouseholds)
  const mgPick = mgCount > 0 && rateWeights.some((x) => x > 0) ? new Weighted(mgs.map((_, i) => i), rateWeights) : undefined
  const dailyReports = rateWeights.reduce((s, x) => s + x, 0) * REPORTS_PER_MICRO_GRID_DAY

  const hhCount = mgs.reduce((s, p) => s + Math.max(0, Math.floor(p.keyHouseholds)), 0)
  const hhMg = new Int32Array(hhCount)
  const hhKey = new Uint32Array(hhCount)
  const hhHex: string[] = new Array<string>(hhCount)
  const hhGroups: Group[][] = new Array<Group[]>(hhCount)
  const hhAge65 = new Uint8Array(hhCount)
  const hhReturnee = new Uint8Array(hhCount)
  const hhMedical = new Uint8Array(hhCount)
  const teamStart = new Int32Array(mgCount)
  const teamSize = new Uint8Array(mgCount)
  const workerId: string[] = []
  const workerRole: WorkerRole[] = []

  const rng = new Rng(0)
  let h = 0
  for (let m = 0; m < mgCount; m++) {
    const code = mgCode[m]!
    const codeHash = hashString(code)
    // The team.
    rng.reseed(hashInts(seedHash, codeHash, 0x7465616d))
    const size = rng.int(TEAM_SIZE.min, TEAM_SIZE.max)
    teamStart[m] = workerId.length
    teamSize[m] = size
    for (let k = 0; k < size; k++) {
      workerId.push(`W-${hash53Hex(`${code}#w${k}`, seedHash)}`)
      workerRole.push(k === 0 ? 'family_doctor' : OTHER_ROLE.draw(rng))
    }
    // Its key households.
    const key = Math.max(0, Math.floor(mgs[m]!.keyHouseholds))
    for (let i = 0; i < key; i++, h++) {
      const hk = hashInts(seedHash, codeHash, i)
      rng.reseed(hk)
      const groups: Group[] = []
      for (const g of GROUP_KEYS) if (rng.chance(GROUP_SHARE[g])) groups.push(g)
      if (groups.length === 0) groups.push('elderly')
      hhMg[h] = m
      hhKey[h] = hk
      hhHex[h] = hash53Hex(`${code}#h${i}`, seedHash)
      hhGroups[h] = groups
      hhAge65[h] = groups.includes('elderly') && rng.chance(AGE65_SHARE) ? 1 : 0
      hhReturnee[h] = rng.chance(RETURNEE_SHARE) ? 1 : 0
      hhMedical[h] = groups.includes('sick') || groups.includes('disabled') || groups.includes('pregnant') ? 1 : 0
    }
  }

  return {
    seed,
    seedHash,
    tag: (hashInts(seed, 0x746167) % 36 ** 4).toString(36).padStart(4, '0'),
    mgCount,
    mgCode,
    mgLat,
    mgLon,
    mgPick,
    dailyReports,
    hhCount,
    hhMg,
    hhKey,
    hhHex,
    hhGroups,
    hhAge65,
    hhReturnee,
    hhMedical,
    teamStart,
    teamSize,
    workerId,
    workerRole,
  }
}
