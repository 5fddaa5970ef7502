/** Number and time formatting for a wall read from across the room: short, no seconds unless asked. */

export interface DurationParts {
  /** The numeral, e.g. "3.5"; "—" when unknown. */
  num: string
  /** Unit key under `unit.*` in the messages, or null when unknown. */
  unit: 'min' | 'hour' | 'day' | null
  /** True when the value is below one minute and `num` reads "<1". */
  below: boolean
}

/** One decimal only while it matters (3.5 h), whole numbers once the value is large (12 h). */
function compact(value: number): string {
  if (value >= 10) return String(Math.round(value))
  const fixed = value.toFixed(1)
  return fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed
}

/** Minutes → "12 min", "3.5 h", "1.2 d" (the unit is localised by the caller). */
export function durationParts(minutes: number | null | undefined): DurationParts {
  if (minutes === null || minutes === undefined || !Number.isFinite(minutes) || minutes < 0) {
    return { num: '—', unit: null, below: false }
  }
  if (minutes < 1) return { num: '<1', unit: 'min', below: true }
  const rounded = Math.round(minutes)
  if (rounded < 60) return { num: String(rounded), unit: 'min', below: false }
  if (minutes < 24 * 60) return { num: compact(minutes / 60), unit: 'hour', below: false }
  return { num: compact(minutes / (24 * 60)), unit: 'day', below: false }
}

/** Until the server says otherwise (a snapshot's `tz`), the deployment zone is the documented default. */
export const DEFAULT_TZ = 'Asia/Shanghai'

const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(tz: string, withSeconds: boolean): Intl.DateTimeFormat {
  const key = `${tz}|${withSeconds}`
  let f = formatters.get(key)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: tz,
        hour: '2-digit',
        minute: '2-digit',
        second: withSeconds ? '2-digit' : undefined,
        hourCycle: 'h23',
      })
    } catch {
      // An unknown zone from the server must not blank the wall; show local time instead.
      f = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: withSeconds ? '2-digit' : undefined, hourCycle: 'h23' })
    }
    formatters.set(key, f)
  }
  return f
}

/** HH:mm (or HH:mm:ss) of an instant in the deployment's zone; "--:--" when unparseable. */
export function clockTime(instant: string | number | Date, tz: string, withSeconds = false): string {
  const date = instant instanceof Date ? instant : new Date(instant)
  if (Number.isNaN(date.getTime())) return withSeconds ? '--:--:--' : '--:--'
  return formatter(tz, withSeconds).format(date)
}

/** Date line under the clock, in the UI language, in the deployment's zone. */
export function clockDate(instant: Date, tz: string, locale: string): string {
  try {
    return new Intl.DateTimeFormat(locale, { timeZone: tz, month: 'long', day: 'numeric', weekday: 'short' }).format(instant)
  } catch {
    return new Intl.DateTimeFormat(locale, { month: 'long', day: 'numeric', weekday: 'short' }).format(instant)
  }
}

/**
 * A ticker place without the parts the header already names: on a street's wall,
 * "大弯街道 · 团结路社区 · 第3网格" reads "团结路社区 · 第3网格". The last part always stays.
 */
export function shortPlace(place: string, known: ReadonlySet<string>): string {
  const parts = place.split(/\s*·\s*/)
  let i = 0
  while (i < parts.length - 1 && known.has(parts[i] ?? '')) i++
  return parts.slice(i).join(' · ')
}

const dateTimeFormatters = new Map<string, Intl.DateTimeFormat>()

/** "2025-05-01 14:03:22" in the deployment's zone, for admin tables; the raw text if unparseable. */
export function dateTime(instant: string, tz: string = DEFAULT_TZ): string {
  const date = new Date(instant)
  if (Number.isNaN(date.getTime())) return instant
  let f = dateTimeFormatters.get(tz)
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }
    try {
      f = new Intl.DateTimeFormat('en-GB', { ...opts, timeZone: tz })
    } catch {
      f = new Intl.DateTimeFormat('en-GB', opts)
    }
    dateTimeFormatters.set(tz, f)
  }
  const part = Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]))
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second}`
}
