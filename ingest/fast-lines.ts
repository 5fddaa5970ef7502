/**
 * The ingest hot path on bytes: one NDJSON line holding a plainly valid event → its stored line
 * and content hash, byte for byte what the general path (JSON.parse → zod → rows.ts →
 * JSON.stringify → UTF-8) makes of it, without building a string or an object per event. That
 * general path spent ~19 µs an event; this one is a few (BENCHMARKS.md, "The ingest hot path").
 *
 * Like fast-check.ts it is conservative: whatever it does not model — an escape in a string, a
 * null, an unknown or repeated key, a number in an unusual form, a note that may hold a phone
 * number, bytes that are not UTF-8 — makes `scan` return false, and the line goes the general way,
 * which decides and words any error. tests/unit/fast-lines.test.ts holds it to that: for every
 * line, either no answer or the general path's exact line and hash.
 *
 * Why bytes are enough: with no backslash in a JSON string, its bytes between the quotes are the
 * string's UTF-8 and also exactly what JSON.stringify writes for it (raw control characters are
 * not JSON, and lone surrogates can't be spelt without an escape); so strings are copied, and
 * only the content hash (FNV-1a over UTF-16 code units, rows.ts) decodes UTF-8 on the way.
 */
import type { MicroGridPath } from './registry/registry.ts'
import { mayHoldNumbers } from './redact.ts'
import { writeChTime } from '../sql/queries.ts'
import { CATEGORIES, CHANNELS, GROUPS, MAX_OFFSET_EAST_MIN, MAX_OFFSET_WEST_MIN, REPORTER_ROLES, REPORT_TYPES, VISIT_KINDS, WORKER_ROLES, type EventKind } from './schema.ts'

/** Exact-match lookup of a byte range among a few ASCII words, without making a string. */
class Words {
  private readonly buckets = new Map<number, Array<[Uint8Array, number]>>()
  constructor(words: readonly string[]) {
    words.forEach((w, i) => {
      const b = Buffer.from(w, 'latin1')
      const k = Words.key(b, 0, b.length)
      const list = this.buckets.get(k) ?? []
      list.push([b, i])
      this.buckets.set(k, list)
    })
  }
  private static key(b: Uint8Array, s: number, e: number): number {
    return e - s === 0 ? 0 : (e - s) | (b[s]! << 8) | (b[e - 1]! << 16)
  }
  /** Index of the word spelt by `b[s..e)`, or -1. */
  indexOf(b: Uint8Array, s: number, e: number): number {
    const list = this.buckets.get(Words.key(b, s, e))
    if (!list) return -1
    outer: for (const [w, i] of list) {
      if (w.length !== e - s) continue
      for (let k = 0; k < w.length; k++) if (w[k] !== b[s + k]) continue outer
      return i
    }
    return -1
  }
}

/** Buffer's own slicers and writer, without toString's encoding lookup (not in @types/node). */
type RawBuffer = Buffer & { latin1Slice(s: number, e: number): string; utf8Slice(s: number, e: number): string; latin1Write(s: string, at: number): number }

const EMPTY = Buffer.alloc(0) as RawBuffer

const STR = 1
const NUM = 2
const TRUE = 3
const FALSE = 4
const ARR = 5

/** Growable output: the stored lines of one body. */
export class LineBuffer {
  buf: RawBuffer
  pos = 0
  constructor(capacity: number) {
    // Its own ArrayBuffer (never Node's shared pool), so a worker can transfer it without copying.
    this.buf = Buffer.allocUnsafeSlow(Math.max(1024, capacity)) as RawBuffer
  }
  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + extra)) as RawBuffer
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }
  /** A line made by the general path. */
  writeString(s: string): void {
    this.ensure(s.length * 3)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }
  /**
   * The lines written, on the buffer's own ArrayBuffer — copied to one of their size when the
   * buffer is over half empty: the whole ArrayBuffer travels and waits in the spool's queue.
   */
  lines(): Buffer {
    if (this.buf.length <= this.pos * 1.5) return this.buf.subarray(0, this.pos)
    const exact = Buffer.allocUnsafeSlow(this.pos)
    this.buf.copy(exact, 0, 0, this.pos)
    return exact
  }
}

const enc = (s: string) => Buffer.from(s, 'utf8')

/**
 * The place columns of a micro-grid as they appear in a line, `"mg","grid","community","street","district"`,
 * encoded once per registry.
 */
const placeBytes = new WeakMap<MicroGridPath, Buffer>()
function placesOf(path: MicroGridPath): Buffer {
  let b = placeBytes.get(path)
  if (!b) {
    b = enc([path.micro_grid, path.grid, path.community, path.street, path.district].map((v) => JSON.stringify(v)).join(','))
    placeBytes.set(path, b)
  }
  return b
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** Two ASCII digits at `p` as a number, or -1. */
function two(b: Uint8Array, p: number): number {
  const x = b[p]! - 0x30
  const y = b[p + 1]! - 0x30
  return x >= 0 && x <= 9 && y >= 0 && y <= 9 ? x * 10 + y : -1
}

/**
 * The instant spelt by `b[s..e)` in ms, as Date.parse reads it, when the contract accepts it
 * (schema.ts's `instant`: `YYYY-MM-DDThh:mm[:ss[.f{1,9}]]` then `Z` or `±hh[:]mm`, a real
 * calendar date and time); NaN for anything else, which the general path then words.
 */
export function parseInstant(b: Uint8Array, s: number, e: number): number {
  const n = e - s
  if (n < 17 || b[s + 4] !== 0x2d || b[s + 7] !== 0x2d || b[s + 10] !== 0x54 || b[s + 13] !== 0x3a) return NaN
  const y1 = two(b, s)
  const y2 = two(b, s + 2)
  const mo = two(b, s + 5)
  const d = two(b, s + 8)
  const h = two(b, s + 11)
  const mi = two(b, s + 14)
  if (y1 < 0 || y2 < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59) return NaN
  const y = y1 * 100 + y2
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  if (d > (mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1]!)) return NaN
  let p = s + 16
  let sec = 0
  let milli = 0
  if (b[p] === 0x3a) {
    sec = two(b, p + 1)
    if (sec < 0 || sec > 59) return NaN
    p += 3
    if (b[p] === 0x2e) {
      const f = ++p
      // Date.parse keeps milliseconds: the first three digits of the fraction.
      while (p < e && p - f < 9 && b[p]! >= 0x30 && b[p]! <= 0x39) {
        if (p - f < 3) milli += (b[p]! - 0x30) * (p - f === 0 ? 100 : p - f === 1 ? 10 : 1)
        p++
      }
      if (p === f) return NaN
    }
  }
  let offset = 0
  if (b[p] === 0x5a) p++
  else if (b[p] === 0x2b || b[p] === 0x2d) {
    const oh = two(b, p + 1)
    const colon = b[p + 3] === 0x3a ? 1 : 0
    const om = two(b, p + 3 + colon)
    if (oh < 0 || om < 0 || om > 59 || oh * 60 + om > (b[p] === 0x2d ? MAX_OFFSET_WEST_MIN : MAX_OFFSET_EAST_MIN)) return NaN
    offset = (b[p] === 0x2d ? -1 : 1) * (oh * 60 + om) * 60_000
    p += 5 + colon
  } else return NaN
  if (p !== e) return NaN
  // Days from the civil date (Howard Hinnant's days_from_civil).
  const yy = mo <= 2 ? y - 1 : y
  const era = Math.floor(yy / 400)
  const yoe = yy - era * 400
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  const days = era * 146_097 + doe - 719_468
  return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + milli - offset
}

/**
 * rows.ts's fnv1a (FNV-1a over UTF-16 code units) of the UTF-8 text in `b[s..e)`, or -1 when it
 * holds a character an id may not (schema.ts's CONTROL: C0 and C1 controls, DEL, bidi overrides
 * and isolates), in any field: the general path then decides, field by field.
 */
export function contentHash(b: Uint8Array, s: number, e: number): number {
  // An int32 from the start: the seed (past 2^31) kept as a double made the loop three times slower.
  let h = 0x811c9dc5 | 0
  for (let i = s; i < e; i++) {
    const c = b[i]!
    if (c < 0x80) {
      // Below 0x20 or 0x7f (DEL), in one comparison: the byte after DEL wraps to 0.
      if (((c + 1) & 0x7f) <= 0x20) return -1
      h = Math.imul(h ^ c, 0x01000193)
    } else if (c < 0xe0) {
      const u = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f)
      if (u < 0xa0) return -1
      h = Math.imul(h ^ u, 0x01000193)
      i += 1
    } else if (c < 0xf0) {
      const u = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f)
      if ((u & 0xff00) === 0x2000 && ((u >= 0x202a && u <= 0x202e) || (u >= 0x2066 && u <= 0x2069))) return -1
      h = Math.imul(h ^ u, 0x01000193)
      i += 2
    } else {
      const cp = (((c & 0x07) << 18) | ((b[i + 1]! & 0x3f) << 12) | ((b[i + 2]! & 0x3f) << 6) | (b[i + 3]! & 0x3f)) - 0x10000
      h = Math.imul(h ^ (0xd800 + (cp >> 10)), 0x01000193)
      h = Math.imul(h ^ (0xdc00 + (cp & 0x3ff)), 0x01000193)
      i += 3
    }
  }
  return h >>> 0
}

/** A field of the wire contract as the scanner sees it. */
interface Field {
  name: string
  type: typeof STR | typeof NUM | typeof TRUE | typeof ARR
  /** Strings: length bounds in code points; enums instead name their words. */
  min?: number
  max?: number
  words?: Words
}

const MAX_FIELDS = 16
const MAX_ITEMS = GROUPS.length

/**
 * Reads one line's object into per-field byte ranges and checks it against the contract. One per
 * worker, reused line after line (its scratch arrays are its state).
 */
class Scanner {
  readonly keys: Words
  readonly start = new Int32Array(MAX_FIELDS)
  readonly end = new Int32Array(MAX_FIELDS)
  readonly type = new Uint8Array(MAX_FIELDS)
  /** Enums: the word's index. */
  readonly value = new Int32Array(MAX_FIELDS)
  /** Array items (the one array field's): byte ranges and word indexes. */
  readonly itemStart = new Int32Array(MAX_ITEMS)
  readonly itemEnd = new Int32Array(MAX_ITEMS)
  readonly itemWord = new Int32Array(MAX_ITEMS)
  items = 0
  /** Bit per field present. */
  seen = 0
  src = EMPTY
  /** Where the next backslash of `src` at or after `searchedFrom` is (its length when none is). */
  private backslash = 0
  private searchedFrom = 0
  /** Bytes of the line scanned last. */
  lineBytes = 0

  constructor(readonly fields: readonly Field[]) {
    this.keys = new Words(fields.map((f) => f.name))
  }

  private ws(b: Buffer, i: number, e: number): number {
    while (i < e) {
      const c = b[i]!
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break
      i++
    }
    return i
  }

  /**
   * `b[i]` is a quote: the index of the closing quote, or -1. The line holds no backslash (checked
   * first), so the next quote closes the string; a raw control character inside it (not JSON) is
   * caught by the content hash (`contentHash`), which reads every byte copied to the line.
   */
  private string(b: Buffer, i: number, e: number): number {
    const q = b.indexOf(0x22, i + 1)
    return q < 0 || q >= e ? -1 : q
  }

  /** Whether `b[s..e)` holds from `min` to `max` code points (zod's measure of a string's length). */
  private length(b: Buffer, s: number, e: number, min: number, max: number): boolean {
    // Each code point takes one to four bytes: the byte count settles most cases.
    if (e - s <= max && e - s >= min * 4) return true
    let n = 0
    for (let i = s; i < e; i++) if ((b[i]! & 0xc0) !== 0x80) n++
    return n >= min && n <= max
  }

  /** A JSON number at `i`: the index after it, or -1. */
  private number(b: Buffer, i: number, e: number): number {
    if (b[i] === 0x2d) i++
    if (i >= e) return -1
    if (b[i] === 0x30) i++
    else if (b[i]! >= 0x31 && b[i]! <= 0x39) while (i < e && b[i]! >= 0x30 && b[i]! <= 0x39) i++
    else return -1
    if (b[i] === 0x2e) {
      const f = ++i
      while (i < e && b[i]! >= 0x30 && b[i]! <= 0x39) i++
      if (i === f) return -1
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++
      if (b[i] === 0x2b || b[i] === 0x2d) i++
      const x = i
      while (i < e && b[i]! >= 0x30 && b[i]! <= 0x39) i++
      if (i === x) return -1
    }
    return i
  }

  /** Reads `b[s..e)` (one line); true when it is one flat object of known, unrepeated fields of the right JSON types. */
  scan(b: Buffer, s: number, e: number): boolean {
    if (this.src !== b || s < this.searchedFrom || this.backslash < s) {
      // The next backslash in the body, found once for all the lines before it.
      this.src = b as RawBuffer
      this.searchedFrom = s
      this.backslash = b.indexOf(0x5c, s)
      if (this.backslash < 0) this.backslash = b.length
    }
    // An escape in any string: the general path reads it.
    if (this.backslash < e) return false
    this.lineBytes = e - s
    this.seen = 0
    let i = this.ws(b, s, e)
    if (b[i] !== 0x7b) return false
    i = this.ws(b, i + 1, e)
    if (b[i] === 0x7d) return this.ws(b, i + 1, e) === e
    for (;;) {
      if (b[i] !== 0x22) return false
      const ke = this.string(b, i, e)
      if (ke < 0) return false
      const f = this.keys.indexOf(b, i + 1, ke)
      if (f < 0 || this.seen & (1 << f)) return false
      this.seen |= 1 << f
      i = this.ws(b, ke + 1, e)
      if (b[i] !== 0x3a) return false
      i = this.ws(b, i + 1, e)
      const field = this.fields[f]!
      const c = b[i]
      if (c === 0x22) {
        if (field.type !== STR) return false
        const ve = this.string(b, i, e)
        if (ve < 0) return false
        this.start[f] = i + 1
        this.end[f] = ve
        this.type[f] = STR
        if (field.words) {
          // Words are ASCII: bytes of any other character match none.
          const w = field.words.indexOf(b, i + 1, ve)
          if (w < 0) return false
          this.value[f] = w
        } else if (!this.length(b, i + 1, ve, field.min!, field.max!)) return false
        i = ve + 1
      } else if (c === 0x74 || c === 0x66) {
        if (field.type !== TRUE) return false
        const t = c === 0x74
        const n = t ? 4 : 5
        if (i + n > e || (t ? b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65 : b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65)) return false
        this.type[f] = t ? TRUE : FALSE
        i += n
      } else if (c === 0x5b) {
        if (field.type !== ARR) return false
        i = this.array(b, i, e, field)
        if (i < 0) return false
        this.type[f] = ARR
      } else {
        if (field.type !== NUM) return false
        const ne = this.number(b, i, e)
        if (ne < 0) return false
        this.start[f] = i
        this.end[f] = ne
        this.type[f] = NUM
        i = ne
      }
      i = this.ws(b, i, e)
      if (b[i] === 0x2c) {
        i = this.ws(b, i + 1, e)
        continue
      }
      if (b[i] !== 0x7d) return false
      return this.ws(b, i + 1, e) === e
    }
  }

  /** An array of enum words at `i` (a `[`): the index after it, or -1. */
  private array(b: Buffer, i: number, e: number, field: Field): number {
    this.items = 0
    i = this.ws(b, i + 1, e)
    if (b[i] === 0x5d) return i + 1
    for (;;) {
      if (b[i] !== 0x22 || this.items >= MAX_ITEMS) return -1
      const ve = this.string(b, i, e)
      if (ve < 0) return -1
      const w = field.words!.indexOf(b, i + 1, ve)
      if (w < 0) return -1
      this.itemStart[this.items] = i + 1
      this.itemEnd[this.items] = ve
      this.itemWord[this.items++] = w
      i = this.ws(b, ve + 1, e)
      if (b[i] === 0x2c) {
        i = this.ws(b, i + 1, e)
        continue
      }
      return b[i] === 0x5d ? i + 1 : -1
    }
  }

  /** Lets go of the body last read (it may be megabytes). */
  release(): void {
    this.src = EMPTY
  }

  has(f: number): boolean {
    return (this.seen & (1 << f)) !== 0
  }

  /** The string of a field (present, a string). */
  text(f: number): string {
    return this.src.utf8Slice(this.start[f]!, this.end[f]!)
  }

  /** A number field's value, or NaN. */
  num(f: number): number {
    return Number(this.src.latin1Slice(this.start[f]!, this.end[f]!))
  }

  /** A number field spelt as one plain integer (no sign, fraction or exponent) from lo to hi, or -1. */
  int(f: number, lo: number, hi: number): number {
    const s = this.start[f]!
    const e = this.end[f]!
    if (e - s > 4) return -1
    let n = 0
    for (let i = s; i < e; i++) {
      const c = this.src[i]!
      if (c < 0x30 || c > 0x39) return -1
      n = n * 10 + (c - 0x30)
    }
    return n >= lo && n <= hi ? n : -1
  }
}

const str = (name: string, min: number, max: number): Field => ({ name, type: STR, min, max })
const word = (name: string, words: readonly string[]): Field => ({ name, type: STR, words: new Words(words) })

/** What the general path needs of a row the fast path took: the checks after the contract's, and the ticker's fields. */
export interface FastRow {
  eventId: string
  /** `at`, ms. */
  at: number
  microGrid: string
}

/** The scanner and writer of one stream's lines; one per worker, reused body after body. */
export interface FastLines {
  /** Reads `b[s..e)`; the row, or undefined for the general path. */
  scan(b: Buffer, s: number, e: number): FastRow | undefined
  /**
   * Writes the scanned row's stored line (content, then `suffix` — the arrival columns up to the
   * hash — then the hash) into `out`; returns the content hash, or -1 (nothing written) for a
   * line the general path must read after all.
   */
  write(out: LineBuffer, path: MicroGridPath, at: number, suffix: Buffer): number
  /** Lets go of the body last scanned (call when done with a body). */
  release(): void
  /** The scanned report's fields for the live ticker when it is a new report (reports only). */
  ticker?(): { report_id: string; category: string; channel: string; reporter_role: string; severity: number; note: string } | undefined
}

const Q = 0x22
const COMMA = 0x2c

/** Copies `src[s..e)` to `dst` at `p`; returns the end. A loop for short runs: Buffer#copy's own checks cost more. */
function copy(src: Buffer, s: number, e: number, dst: Buffer, p: number): number {
  if (e - s > 512) return p + src.copy(dst, p, s, e)
  for (let i = s; i < e; i++) dst[p++] = src[i]!
  return p
}

/** Copies a scanned string field with its quotes, or `""` when absent. */
function quoted(out: LineBuffer, sc: Scanner, f: number): void {
  const b = out.buf
  let p = out.pos
  b[p++] = Q
  if (sc.has(f)) {
    p = copy(sc.src, sc.start[f]!, sc.end[f]!, b, p)
  }
  b[p++] = Q
  b[p++] = COMMA
  out.pos = p
}

function ascii(out: LineBuffer, s: string): void {
  out.pos += out.buf.latin1Write(s, out.pos)
}

/** A literal's bytes, written without making a string. */
function bytes(out: LineBuffer, lit: Uint8Array): void {
  for (let i = 0; i < lit.length; i++) out.buf[out.pos++] = lit[i]!
}

/** A non-negative integer below 2^32 and a comma, in decimal. */
function uint(out: LineBuffer, n: number): void {
  const b = out.buf
  let digits = 1
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++
  let p = out.pos + digits
  out.pos = p + 1
  b[p] = COMMA
  do {
    b[--p] = 0x30 + (n % 10)
    n = Math.floor(n / 10)
  } while (n > 0)
}

const NULL2 = enc('null,null,')
const NULL1 = enc('null,')

/** Starts a line (room made for all of it): `[` and the event id. Returns where it starts. */
function open(out: LineBuffer, sc: Scanner, path: MicroGridPath, suffix: Buffer, eventId: number): number {
  out.ensure(room(sc, path, suffix))
  const start = out.pos
  out.buf[out.pos++] = 0x5b
  quoted(out, sc, eventId)
  return start
}

/** The time column, then the place columns of the micro-grid. */
function timeAndPlaces(out: LineBuffer, at: number, path: MicroGridPath): void {
  const b = out.buf
  b[out.pos] = Q
  writeChTime(b, out.pos + 1, at)
  b[out.pos + 24] = Q
  b[out.pos + 25] = COMMA
  out.pos += 26
  const places = placesOf(path)
  out.pos = copy(places, 0, places.length, b, out.pos)
  b[out.pos++] = COMMA
}

/**
 * How both streams end a scan: a note that may hold a phone or ID-card number goes the general
 * way, which redacts it; then the instant, and the row.
 */
function row(sc: Scanner, b: Buffer, F: { event_id: number; at: number; micro_grid: number; note: number }): FastRow | undefined {
  if (sc.has(F.note) && mayHoldNumbers(b, sc.start[F.note]!, sc.end[F.note]!)) return undefined
  const at = parseInstant(b, sc.start[F.at]!, sc.end[F.at]!)
  if (Number.isNaN(at)) return undefined
  return { eventId: sc.text(F.event_id), at, microGrid: sc.text(F.micro_grid) }
}

/**
 * Ends a line: the content's hash is taken over `[…]`, then the arrival suffix, the hash and `]\n`.
 * -1 when the content holds a raw control character (a string no JSON parser takes): not written.
 */
function finish(out: LineBuffer, lineStart: number, suffix: Buffer): number {
  // The content's closing bracket takes the place of its last comma for the hash.
  const hash = contentHash(out.buf, lineStart, out.pos - 1)
  if (hash < 0) return -1
  const h = Math.imul(hash ^ 0x5d, 0x01000193) >>> 0
  out.pos-- // the comma: the suffix starts with one
  out.pos = copy(suffix, 0, suffix.length, out.buf, out.pos)
  uint(out, h)
  out.buf[out.pos - 1] = 0x5d // the comma uint wrote: `]`
  out.buf[out.pos++] = 0x0a
  return h
}

/**
 * Room a line can take: its copied strings never outgrow the input line; add the place columns,
 * the arrival suffix, and 160 bytes for the time, numbers, hash, quotes and brackets.
 */
const room = (sc: Scanner, path: MicroGridPath, suffix: Buffer) => sc.lineBytes + placesOf(path).length + suffix.length + 160

function reportLines(): FastLines {
  const F = { event_id: 0, report_id: 1, type: 2, at: 3, micro_grid: 4, category: 5, channel: 6, reporter_role: 7, lat: 8, lon: 9, severity: 10, department: 11, note: 12 }
  const sc = new Scanner([
    str('event_id', 1, 64),
    str('report_id', 1, 64),
    word('type', REPORT_TYPES),
    str('at', 1, 64),
    str('micro_grid', 1, 128),
    word('category', CATEGORIES),
    word('channel', CHANNELS),
    word('reporter_role', REPORTER_ROLES),
    { name: 'lat', type: NUM },
    { name: 'lon', type: NUM },
    { name: 'severity', type: NUM },
    str('department', 0, 128),
    str('note', 0, 2000),
  ])
  const REQUIRED = (1 << F.event_id) | (1 << F.report_id) | (1 << F.type) | (1 << F.at) | (1 << F.micro_grid)
  const REPORTED = REPORT_TYPES.indexOf('reported')
  let lat = 0
  let lon = 0
  return {
    scan(b, s, e) {
      if (!sc.scan(b, s, e) || (sc.seen & REQUIRED) !== REQUIRED) return undefined
      if (sc.value[F.type] === REPORTED && !sc.has(F.category)) return undefined
      if (sc.has(F.lat) !== sc.has(F.lon)) return undefined
      if (sc.has(F.lat)) {
        lat = sc.num(F.lat)
        lon = sc.num(F.lon)
        if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180)) return undefined
      }
      if (sc.has(F.severity) && sc.int(F.severity, 1, 3) < 0) return undefined
      return row(sc, b, F)
    },
    write(out, path, at, suffix) {
      const start = open(out, sc, path, suffix, F.event_id)
      quoted(out, sc, F.report_id)
      quoted(out, sc, F.type)
      timeAndPlaces(out, at, path)
      quoted(out, sc, F.category)
      quoted(out, sc, F.channel)
      quoted(out, sc, F.reporter_role)
      uint(out, sc.has(F.severity) ? sc.int(F.severity, 1, 3) : 0)
      if (sc.has(F.lat)) ascii(out, `${lat},${lon},`)
      else bytes(out, NULL2)
      quoted(out, sc, F.department)
      quoted(out, sc, F.note)
      return finish(out, start, suffix)
    },
    release: () => sc.release(),
    ticker() {
      if (sc.value[F.type] !== REPORTED) return undefined
      return {
        report_id: sc.text(F.report_id),
        category: sc.has(F.category) ? sc.text(F.category) : '',
        channel: sc.has(F.channel) ? sc.text(F.channel) : '',
        reporter_role: sc.has(F.reporter_role) ? sc.text(F.reporter_role) : '',
        severity: sc.has(F.severity) ? sc.int(F.severity, 1, 3) : 0,
        note: sc.has(F.note) ? sc.text(F.note) : '',
      }
    },
  }
}

function visitLines(): FastLines {
  const F = { event_id: 0, at: 1, micro_grid: 2, worker_id: 3, worker_role: 4, household: 5, groups: 6, kind: 7, duration_min: 8, follow_up: 9, note: 10 }
  const sc = new Scanner([
    str('event_id', 1, 64),
    str('at', 1, 64),
    str('micro_grid', 1, 128),
    str('worker_id', 1, 64),
    word('worker_role', WORKER_ROLES),
    str('household', 1, 64),
    { name: 'groups', type: ARR, words: new Words(GROUPS) },
    word('kind', VISIT_KINDS),
    { name: 'duration_min', type: NUM },
    { name: 'follow_up', type: TRUE },
    str('note', 0, 2000),
  ])
  const REQUIRED = (1 << F.event_id) | (1 << F.at) | (1 << F.micro_grid) | (1 << F.worker_id) | (1 << F.worker_role) | (1 << F.household) | (1 << F.groups) | (1 << F.kind)
  return {
    release: () => sc.release(),
    scan(b, s, e) {
      if (!sc.scan(b, s, e) || (sc.seen & REQUIRED) !== REQUIRED) return undefined
      if (sc.has(F.duration_min) && sc.int(F.duration_min, 0, 1440) < 0) return undefined
      return row(sc, b, F)
    },
    write(out, path, at, suffix) {
      const start = open(out, sc, path, suffix, F.event_id)
      timeAndPlaces(out, at, path)
      quoted(out, sc, F.worker_id)
      quoted(out, sc, F.worker_role)
      quoted(out, sc, F.household)
      // The groups once each, in the order first given (rows.ts: [...new Set(groups)]).
      const b = out.buf
      b[out.pos++] = 0x5b
      let taken = 0
      for (let k = 0; k < sc.items; k++) {
        const w = sc.itemWord[k]!
        if (taken & (1 << w)) continue
        if (taken) b[out.pos++] = COMMA
        taken |= 1 << w
        b[out.pos++] = Q
        for (let i = sc.itemStart[k]!; i < sc.itemEnd[k]!; i++) b[out.pos++] = sc.src[i]!
        b[out.pos++] = Q
      }
      b[out.pos++] = 0x5d
      b[out.pos++] = COMMA
      quoted(out, sc, F.kind)
      if (sc.has(F.duration_min)) uint(out, sc.int(F.duration_min, 0, 1440))
      else bytes(out, NULL1)
      uint(out, sc.has(F.follow_up) && sc.type[F.follow_up] === TRUE ? 1 : 0)
      quoted(out, sc, F.note)
      return finish(out, start, suffix)
    },
  }
}

/** The fast lines of a stream (one per worker thread: they hold scratch state). */
export function fastLines(kind: EventKind): FastLines {
  return kind === 'reports' ? reportLines() : visitLines()
}

