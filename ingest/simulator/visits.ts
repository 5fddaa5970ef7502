/**
 * The weekly visit schedule (每周巡访): a pure function of (seed, household, week), so the
 * backfill and the live stream agree on every visit without sharing state.
 */
import { mondayOfWeek, wallToUtc, type LocalCalendar, type LocalDay } from './calendar.ts'
import {
  DOCTOR_KINDS,
  FOLLOW_UP_SHARE,
  RETURNEE_WINDOW,
  VISIT_DURATION,
  VISIT_KIND_MIX,
  VISIT_MISS_SHARE,
  VISIT_NOTES,
  VISIT_NOTE_SHARE,
  VISIT_WINDOW_SEC,
  daysFromFestival,
} from './model.ts'
import { Rng, Weighted, hashInts } from './random.ts'
import { isoAt, type Group, type VisitKind, type VisitRow } from './wire.ts'
import type { World } from './world.ts'

const KIND_PICK = Weighted.of(VISIT_KIND_MIX)

/** The five working days of one local week, resolved once for all households. */
export interface WeekCtx {
  week: number
  days: LocalDay[]
  /** Per working day: inside the Spring Festival returnee window. */
  returnee: boolean[]
}

/** Resolves the working days of a week (five cached calendar lookups). */
export function weekCtx(cal: LocalCalendar, week: number): WeekCtx {
  const days: LocalDay[] = []
  const returnee: boolean[] = []
  for (let i = 0; i < 5; i++) {
    const day = cal.byDayNo(mondayOfWeek(week) + i)
    const f = daysFromFestival(day.dayNo, day.year)
    days.push(day)
    returnee.push(f >= RETURNEE_WINDOW.fromDay && f <= RETURNEE_WINDOW.toDay)
  }
  return { week, days, returnee }
}

/**
 * When household `hh` is visited in the week, or -1 when that household-week is missed.
 * Reseeds `rng` and leaves it positioned for `visitRow`, which must follow immediately.
 */
export function visitTime(w: World, ctx: WeekCtx, hh: number, rng: Rng): number {
  rng.reseed(hashInts(w.hhKey[hh]!, ctx.week, 0x56495354))
  if (rng.next() < VISIT_MISS_SHARE) return -1
  const d = Math.floor(rng.next() * 5)
  const sec = VISIT_WINDOW_SEC.from + rng.next() * (VISIT_WINDOW_SEC.to - VISIT_WINDOW_SEC.from)
  // Whole seconds: a visit log has no use for milliseconds.
  return wallToUtc(ctx.days[d]!, Math.floor(sec))
}

/** Index (0–4) of the working day a visit at `at` falls on. */
function dayIndex(ctx: WeekCtx, at: number): number {
  for (let i = 4; i > 0; i--) if (at >= ctx.days[i]!.startMs) return i
  return 0
}

/**
 * The visit row of household `hh` at `at` (from `visitTime`, with `rng` as it left it).
 * `suffix` distinguishes extra visits the live stream adds at speeds above 1.
 */
export function visitRow(w: World, ctx: WeekCtx, hh: number, at: number, rng: Rng, suffix = ''): VisitRow {
  const mg = w.hhMg[hh]!
  const base = w.hhGroups[hh]!
  const returnee = w.hhReturnee[hh] === 1 && ctx.returnee[dayIndex(ctx, at)] === true
  const groups: Group[] = returnee ? [...base, 'returnee'] : base.slice()

  let kind: VisitKind = KIND_PICK.draw(rng)
  if (kind === 'checkup' && w.hhAge65[hh] !== 1) kind = 'measurement'
  else if (kind === 'patrol' && w.hhMedical[hh] === 1 && rng.next() < 0.25) kind = 'home_medical'
  else if (kind === 'patrol' && returnee && rng.next() < 0.3) kind = 'health_pack'

  const start = w.teamStart[mg]!
  const size = w.teamSize[mg]!
  const worker = DOCTOR_KINDS.has(kind) || size < 2 ? start : start + 1 + Math.floor(rng.next() * (size - 1))
  const [dMin, dMax] = VISIT_DURATION[kind]
  const medical = DOCTOR_KINDS.has(kind)
  const row: VisitRow = {
    event_id: `V-${w.hhHex[hh]}-${ctx.week}${suffix}`,
    at: isoAt(at),
    micro_grid: w.mgCode[mg]!,
    worker_id: w.workerId[worker]!,
    worker_role: w.workerRole[worker]!,
    household: `H-${w.hhHex[hh]}`,
    groups,
    kind,
    duration_min: rng.int(dMin, dMax),
    follow_up: rng.next() < (medical ? FOLLOW_UP_SHARE.medical : FOLLOW_UP_SHARE.other),
  }
  if (rng.next() < VISIT_NOTE_SHARE) row.note = rng.pick(VISIT_NOTES[kind])
  return row
}

/** Uniform in [0, 1) per (household, week), independent of the visit's own draws; thins live visits at speeds below 1. */
export function keepShare(w: World, hh: number, week: number): number {
  return hashInts(w.hhKey[hh]!, week, 0x4b454550) / 4294967296
}
