/**
 * Removes personal numbers from free text before it is stored (DESIGN §7): mainland mobile
 * numbers (+86 or 0086 or not), landlines with an area code, and ID-card numbers (18 digits
 * with a real birth date, the last may be X; or the old 15 digits, written whole). People write them every which
 * way — 138-0000-1234, (028)8765 4321, 510104 1990 0101 1234, １３８…, 1 3 8 0 … — so the text
 * is read as runs of digit groups joined by up to three separators (spaces, dots, dashes of any
 * width, slashes, commas, brackets, plus signs), and each run of consecutive groups whose digits
 * together make such a number is masked, whatever its grouping. Landlines alone are held to their
 * usual shape (the area code a group of its own, groups of at least three digits; or the whole
 * number one run, 02887654321), as a date range's digits (2026.01.01-2026.12.31) could otherwise
 * make one.
 */

/** A separator between the digit groups of one number. */
const SEP_CHARS = '\\s.\\-－—–‐‑‒―/_,，()（）+＋·'
/** A run of digit groups (a group may end in an ID card's X), with a "+" or "(" or both before it. */
const RUN = new RegExp(`[+＋(（]{0,2}[0-9０-９]+[XxＸｘ]?(?:[${SEP_CHARS}]{1,3}[0-9０-９]+[XxＸｘ]?)*`, 'g')
const GROUP = /[0-9０-９]+[XxＸｘ]?/g

/** Fewer digits than the shortest number masked (a landline with its area code: 10) can't hold one. */
const MIN_DIGITS = 10
/** The most digits a number masked has (0086 and a mobile: 15; an ID card: 18). */
const MAX_DIGITS = 18

export const PHONE_MASK = '[电话已隐藏]'
export const ID_MASK = '[证件号已隐藏]'

/** ASCII digits of a group (full-width ones folded), without its X. */
function digitsOf(group: string): string {
  let out = ''
  for (const ch of group) {
    const c = ch.charCodeAt(0)
    if (c >= 0xff10 && c <= 0xff19) out += String.fromCharCode(c - 0xff10 + 0x30)
    else if (c >= 0x30 && c <= 0x39) out += ch
  }
  return out
}

const MOBILE = /^1[3-9]\d{9}$/
/**
 * A landline written as one run of digits, as the plan numbers them: 010 or 02x and 8 digits, or
 * a 4-digit area code (0 and 3 digits from 3) and 7–8; or a mobile dialled with a 0 before it.
 * Abroad (after 0086 or +86) the 0 is dropped. Anything else with a 0 in front (a decimal's
 * digits, an account number) is left alone.
 */
const LANDLINE_RUN = /^0(?:(?:10|2\d)\d{8}|[3-9]\d{2}\d{7,8}|1[3-9]\d{9})$/
const LANDLINE_RUN_ABROAD = /^(?:(?:10|2\d)\d{8}|[3-9]\d{2}\d{7,8})$/
const ID_15 = /^[1-9]\d{14}$/
const ID_18 = /^[1-9]\d{5}(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dX]$/

/** Whether `d` (digits, maybe an X at the end) is an ID card: 18 with a real birth date, or the old 15 written `whole`. */
function isIdCard(d: string, whole: boolean): boolean {
  // The old 15-digit cards only written whole: any 15 digits in groups would catch dates and counts.
  return d.length === 18 ? ID_18.test(d) : d.length === 15 && whole && ID_15.test(d)
}

/**
 * Whether the digit groups `g[i..j]` (their digits together: `d`) make a phone number, whole. A
 * mobile in groups must be grouped as people group one — every group of one digit, or every
 * group of three digits or more (138 0000 1234, 1380-000-1234) — or readings and lists such as
 * 血压 160/100 150/95 or 1,380,000 would read as one. A landline: its area code (0 and 2–3
 * digits; without the 0 after 86) a group of its own, then 7–8 digits in groups of three or more;
 * or the whole number one group (LANDLINE_RUN). `plus`: a "+" comes right before `g[i]`, so a
 * leading 86 is the country code, not the start of a count or an order number.
 */
function isPhone(g: readonly string[], i: number, j: number, d: string, plus: boolean): boolean {
  const prefixed = i < j && (g[i] === '86' || g[i] === '0086')
  const k = prefixed ? i + 1 : i
  const number = prefixed ? d.slice(g[i]!.length) : k === j ? d.replace(/^(?:0086|86)(?=1[3-9]\d{9}$)/, '') : d
  if (number.length === 11 && MOBILE.test(number)) {
    let ones = true
    let threes = true
    for (let x = k; x <= j; x++) {
      ones &&= g[x]!.length === 1
      threes &&= g[x]!.length >= 3
    }
    if (k === j || ones || threes) return true
  }
  if (k === j) return isLandlineRun(prefixed ? g[i]! : '', number, plus)
  const area = g[k]!
  if (!(prefixed ? /^[1-9]\d{1,2}$/ : /^0\d{2,3}$/).test(area)) return false
  for (let x = k + 1; x <= j; x++) if (g[x]!.length < 3) return false
  const local = number.length - area.length
  return local >= 7 && local <= 8
}

/**
 * Whether `number` (one group's digits) is a landline written whole: 0 and the rest, or after a
 * country code — its own group (`prefix`) or the start of the number — that is 0086 or +86.
 */
function isLandlineRun(prefix: string, number: string, plus: boolean): boolean {
  if (prefix !== '') return (prefix === '0086' || plus) && LANDLINE_RUN_ABROAD.test(number)
  if (LANDLINE_RUN.test(number)) return true
  if (number.startsWith('0086')) return LANDLINE_RUN_ABROAD.test(number.slice(4))
  return plus && number.startsWith('86') && LANDLINE_RUN_ABROAD.test(number.slice(2))
}

/** A run of groups with its numbers masked: from each group, the longest stretch that makes one. */
function maskRun(run: string): string {
  const g: string[] = []
  /** Whether the group ends in an X: an ID card's last digit, or after a phone number an extension's x. */
  const x: boolean[] = []
  const starts: number[] = []
  const ends: number[] = []
  let digits = 0
  for (const m of run.matchAll(GROUP)) {
    const text = digitsOf(m[0])
    g.push(text)
    x.push(text.length < m[0].length)
    starts.push(m.index)
    ends.push(m.index + m[0].length)
    digits += text.length
  }
  if (digits < MIN_DIGITS) return run
  let out = ''
  let done = 0
  for (let i = 0; i < g.length; ) {
    let best = -1
    let mask: string | undefined
    let xOutside = false
    let d = ''
    let ones = true
    const plus = starts[i]! > 0 && '+＋'.includes(run[starts[i]! - 1]!)
    for (let j = i; j < g.length && d.length < MAX_DIGITS; j++) {
      // Groups of one digit make only a mobile, and only with no other groups among them (see
      // isPhone): a run like "1 1 1 …" is done with after eleven groups, not eighteen.
      if ((g[j]!.length === 1) !== ones && j > i) break
      ones &&= g[j]!.length === 1
      d += g[j]
      if (ones && (d.length > 11 || (d.length === 2 && !/^1[3-9]/.test(d)))) break
      // Only stretches of a number's length are asked about.
      if (d.length >= MIN_DIGITS && d.length <= MAX_DIGITS && (!ones || d.length === 11)) {
        if (isIdCard(x[j] ? `${d}X` : d, i === j)) [best, mask, xOutside] = [j, ID_MASK, false]
        // A phone number with an x after it (an extension: 028-87654321x801): the x stays outside.
        else if (isPhone(g, i, j, d, plus)) [best, mask, xOutside] = [j, PHONE_MASK, x[j]!]
      }
      // An X ends any number.
      if (x[j]) break
    }
    if (best < 0) {
      i++
      continue
    }
    let start = starts[i]!
    let end = ends[best]! - (xOutside ? 1 : 0)
    // The number's own "+" goes with it, and a bracket before it when its pair is in it or right after it.
    if (start > 0 && '+＋'.includes(run[start - 1]!)) start--
    if (start > 0 && '(（'.includes(run[start - 1]!)) {
      if (/[)）]/.test(run.slice(start, end))) start--
      else if (end < run.length && ')）'.includes(run[end]!)) [start, end] = [start - 1, end + 1]
    }
    out += run.slice(done, start) + mask
    done = end
    i = best + 1
  }
  return out + run.slice(done)
}

/** Whether text has enough digits (ASCII or full-width) to hold a number masked. */
function enoughDigits(text: string): boolean {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c >= 0x30 && c <= 0x39) || (c >= 0xff10 && c <= 0xff19)) if (++n >= MIN_DIGITS) return true
  }
  return false
}

export function redact(text: string): string {
  if (!enoughDigits(text)) return text
  return text.replace(RUN, maskRun)
}

/**
 * Whether the UTF-8 text in `b[s..e)` might change under `redact`: false for sure when it holds
 * fewer than ten digits (ASCII, or full-width: EF BC 90–99), as most notes do. The ingest hot
 * path (fast-lines.ts) copies a note's bytes only when false.
 */
export function mayHoldNumbers(b: Uint8Array, s: number, e: number): boolean {
  let n = 0
  for (let i = s; i < e; i++) {
    const c = b[i]!
    if ((c >= 0x30 && c <= 0x39) || (c === 0xef && i + 2 < e && b[i + 1] === 0xbc && b[i + 2]! >= 0x90 && b[i + 2]! <= 0x99)) if (++n >= MIN_DIGITS) return true
  }
  return false
}
