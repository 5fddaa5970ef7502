/**
 * Local calendar days in the deployment's time zone, computed once per day.
 *
 * The demo's rhythms (quiet nights, meal-time peaks, weekday visits) are local-time facts, but
 * Intl is far too slow to call per event. So each local day is resolved once (midnight in UTC,
 * the UTC offsets at both ends) and cached; hot loops then do plain arithmetic. No zone is
 * assumed to be DST-free: a day with a transition is detected by its two offsets differing.
 */

export const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

/** 1970-01-05 (local day number 4) was a Monday; weeks are counted from it. */
const FIRST_MONDAY = 4

export interface LocalDay {
  /** Days since 1970-01-01 in the local calendar. */
  dayNo: number
  /** 'yyyymmdd' of the local date. */
  key: string
  year: number
  /** 1–12 */
  month: number
  day: number
  /** 0 = Monday … 6 = Sunday. */
  weekday: number
  /** Weeks since the Monday 1970-01-05, local. */
  week: number
  /** UTC ms of local midnight starting this day, and of the next one. */
  startMs: number
  endMs: number
  /** UTC offset (ms, local − UTC) at the start and at the end of the day. */
  offStart: number
  offEnd: number
}

/** Week number (local) of a local day number. */
export function weekOfDayNo(dayNo: number): number {
  return Math.floor((dayNo - FIRST_MONDAY) / 7)
}

/** Local day number of the Monday of a week. */
export function mondayOfWeek(week: number): number {
  return FIRST_MONDAY + week * 7
}

/**
 * UTC ms of a wall-clock time `sec` seconds after local midnight of a resolved day; plain
 * arithmetic for hot loops. On a DST day the transition is taken to happen at 03:00 (close for
 * every zone that has one); the result is kept inside the day.
 */
export function wallToUtc(day: LocalDay, sec: number): number {
  const off = day.offStart === day.offEnd || sec < 3 * 3600 ? day.offStart : day.offEnd
  const ms = Math.round(day.dayNo * DAY_MS + sec * 1000 - off)
  return ms < day.startMs ? day.startMs : ms >= day.endMs ? day.endMs - 1 : ms
}

/** Resolves local days of one IANA time zone, caching each day once it is asked for. */
export class LocalCalendar {
  private readonly fmt: Intl.DateTimeFormat
  private readonly days = new Map<number, LocalDay>()
  private last: LocalDay | undefined

  constructor(readonly tz: string) {
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
  }

  /** UTC offset (local − UTC, ms) at an instant; one Intl call. */
  offsetAt(ms: number): number {
    const p: Record<string, number> = {}
    for (const part of this.fmt.formatToParts(new Date(ms))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value)
    }
    const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!)
    // Seconds below the formatter's precision would leak into the offset; offsets are whole minutes.
    return Math.round((asUtc - (ms - (((ms % 1000) + 1000) % 1000))) / 60_000) * 60_000
  }

  /** The local day with this day number. */
  byDayNo(dayNo: number): LocalDay {
    const cached = this.days.get(dayNo)
    if (cached) return cached
    const startMs = this.localMidnight(dayNo)
    const endMs = this.localMidnight(dayNo + 1)
    const d = new Date(dayNo * DAY_MS)
    const year = d.getUTCFullYear()
    const month = d.getUTCMonth() + 1
    const day = d.getUTCDate()
    const info: LocalDay = {
      dayNo,
      key: `${year}${month < 10 ? '0' : ''}${month}${day < 10 ? '0' : ''}${day}`,
      year,
      month,
      day,
      weekday: (((dayNo - FIRST_MONDAY) % 7) + 7) % 7,
      week: weekOfDayNo(dayNo),
      startMs,
      endMs,
      offStart: this.offsetAt(startMs),
      offEnd: this.offsetAt(endMs - 1),
    }
    this.days.set(dayNo, info)
    return info
  }

  /** The local day containing an instant. */
  dayOf(ms: number): LocalDay {
    const last = this.last
    if (last && ms >= last.startMs && ms < last.endMs) return last
    const guess = Math.floor((ms + this.offsetAt(ms)) / DAY_MS)
    let day = this.byDayNo(guess)
    // Guard against an offset change between the instant and its midnight.
    if (ms < day.startMs) day = this.byDayNo(guess - 1)
    else if (ms >= day.endMs) day = this.byDayNo(guess + 1)
    this.last = day
    return day
  }

  /** Local hour (0–23) of an instant inside `day`. */
  hourIn(day: LocalDay, ms: number): number {
    const off = day.offStart === day.offEnd || ms - day.startMs < 3 * HOUR_MS ? day.offStart : day.offEnd
    const h = Math.floor((ms + off - day.dayNo * DAY_MS) / HOUR_MS)
    return h < 0 ? 0 : h > 23 ? 23 : h
  }

  /** Local hour (0–23) of an instant. */
  hourOf(ms: number): number {
    return this.hourIn(this.dayOf(ms), ms)
  }

  /** UTC ms of a wall-clock time `sec` seconds after local midnight of `day` (see `wallToUtc`). */
  at(day: LocalDay, sec: number): number {
    return wallToUtc(day, sec)
  }

  private localMidnight(dayNo: number): number {
    const wall = dayNo * DAY_MS
    let utc = wall - this.offsetAt(wall)
    // One refinement settles the offset unless midnight itself is skipped by a transition.
    utc = wall - this.offsetAt(utc)
    return utc
  }
}
