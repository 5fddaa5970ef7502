/**
 * Calendar arithmetic in the deployment's time zone (DESIGN §4): instants are UTC, days are
 * local. Works for zones with DST too: the offset is read for the instant in question.
 */
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(tz, f)
  }
  return f
}

/** Local wall-clock fields of an instant. */
export function localParts(ms: number, tz: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  const parts: Record<string, string> = {}
  for (const p of formatter(tz).formatToParts(ms)) parts[p.type] = p.value
  return { y: +parts.year!, m: +parts.month!, d: +parts.day!, h: +parts.hour!, min: +parts.minute!, s: +parts.second! }
}

/** Offset of the zone from UTC at an instant, ms (Asia/Shanghai: +8 h). */
export function zoneOffset(ms: number, tz: string): number {
  const p = localParts(ms, tz)
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s)
  return asUtc - Math.floor(ms / 1000) * 1000
}

/** The instant of local midnight starting the local day that contains `ms`. */
export function localDayStart(ms: number, tz: string): number {
  const p = localParts(ms, tz)
  const wallMidnight = Date.UTC(p.y, p.m - 1, p.d)
  let guess = wallMidnight - zoneOffset(wallMidnight, tz)
  guess = wallMidnight - zoneOffset(guess, tz)
  return guess
}

/** YYYY-MM-DD of the local day containing `ms`. */
export function localDay(ms: number, tz: string): string {
  const p = localParts(ms, tz)
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`
}

const QUARTER_HOUR = 15 * 60_000
const offsetCache = new Map<string, Map<number, number>>()

/**
 * Local hour of day (0–23) of an instant. The zone's offset is read once per quarter hour and
 * cached (every zone's offsets and transitions fall on quarter hours), so the live hub can
 * bucket tens of thousands of reports per tick without formatting each.
 */
export function localHour(ms: number, tz: string): number {
  let cache = offsetCache.get(tz)
  if (!cache) offsetCache.set(tz, (cache = new Map()))
  const q = Math.floor(ms / QUARTER_HOUR)
  let off = cache.get(q)
  if (off === undefined) {
    off = zoneOffset(q * QUARTER_HOUR, tz)
    if (cache.size > 10_000) cache.clear()
    cache.set(q, off)
  }
  return Math.floor((((ms + off) % 86_400_000) + 86_400_000) % 86_400_000 / 3_600_000)
}
