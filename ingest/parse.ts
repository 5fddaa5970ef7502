/**
 * Turns a request body into rows: one JSON object, a JSON array, or NDJSON. Whatever can be
 * pinned on one row fails only that row: a malformed or non-UTF-8 NDJSON line or element of a
 * JSON array, a key given twice, nesting no event has. Only a body whose row boundaries can't be
 * found (say, cut off mid-row) fails as a whole, naming where.
 */
import { isUtf8 } from 'node:buffer'

export type ParsedRow = { index: number; value: unknown } | { index: number; error: string; reason: 'json' | 'utf8' | 'schema'; field?: string }

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Byte offset of the first byte that is not part of a valid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0
  while (i < b.length) {
    const c = b[i]!
    if (c < 0x80) {
      i++
      continue
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1
    if (n < 0) return i
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k]! & 0xc0) !== 0x80) return i
    const c1 = b[i + 1]!
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f) || (c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return i
    i += n + 1
  }
  return -1
}

export function isNdjson(contentType: string | undefined): boolean {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return ct === 'application/x-ndjson' || ct === 'application/ndjson' || ct === 'application/jsonl'
}

const tooMany = (maxRows: number) => new BodyError(413, `more than ${maxRows} events in one request; split the batch`)

/** Whether `b[s..e)` is a blank line: only whitespace, as String#trim sees it. */
function blankLine(b: Buffer, s: number, e: number): boolean {
  let wide = false
  for (let i = s; i < e; i++) {
    const c = b[i]!
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue
    if (c < 0x80) return false
    wide = true
  }
  return !wide || b.toString('utf8', s, e).trim() === ''
}

/**
 * The rows of an NDJSON body that is UTF-8 throughout, as byte ranges: `row(index, line, s, e)`
 * for each line that is not blank, in order (`index` counts rows from 0, `line` lines from 1).
 * Throws 413 past `maxRows` and 400 when there is no row. The one definition of how NDJSON is cut
 * into rows, for the general path (parseNdjson) and the hot path (process.ts) alike.
 */
export function eachNdjsonRow(body: Buffer, maxRows: number, row: (index: number, line: number, s: number, e: number) => void): void {
  let index = 0
  let line = 0
  for (let start = 0; start <= body.length; ) {
    let end = body.indexOf(0x0a, start)
    if (end < 0) end = body.length
    line++
    if (!blankLine(body, start, end)) {
      if (index >= maxRows) throw tooMany(maxRows)
      row(index++, line, start, end)
    }
    start = end + 1
  }
  if (index === 0) throw new BodyError(400, 'body holds no events')
}

/** A line's text; the body's leading byte-order mark dropped, as a UTF-8 decoder drops it. */
export function lineText(body: Buffer, s: number, e: number): string {
  const text = body.toString('utf8', s, e)
  return s === 0 && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/** Deeper than any event (an object holding an array of strings) by far. */
export const MAX_DEPTH = 16

/**
 * What JSON.parse lets pass but a row must not have, found in one pass over its text outside
 * strings: nesting deeper than MAX_DEPTH (refused before JSON.parse, whose time grows with the
 * depth: seconds for a 16 MB line of "["), or a key the row's object gives twice (JSON.parse
 * keeps the last; the sender's own parser may have kept the first, so neither is safe to
 * store). Both name the row's field they are in. Text that is not JSON is left to JSON.parse.
 */
export function rowShapeProblem(text: string, index: number): ParsedRow | undefined {
  let depth = 0
  let inString = false
  let keyStart = -1
  let expectKey = false
  let topObject = false
  let topSeen = false
  let key = ''
  const keys = new Set<string>()
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) {
        inString = false
        if (keyStart >= 0) {
          const raw = text.slice(keyStart, i)
          keyStart = -1
          key = raw
          if (raw.includes('\\')) {
            try {
              key = JSON.parse(`"${raw}"`) as string
            } catch {
              return undefined
            }
          }
          if (keys.has(key)) return repeatedKey(key, index)
          // An event has 13 keys at most; a row with more is refused for its unknown ones anyway.
          if (keys.size < MAX_KEYS) keys.add(key)
        }
      }
      continue
    }
    if (c === 0x22) {
      inString = true
      if (expectKey) keyStart = i + 1
      expectKey = false
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) {
        const field = topObject && keys.size > 0 ? shortKey(key) : ''
        return { index, field, error: `row ${index}: ${field ? `${keyPhrase(field)}: ` : ''}is nested deeper than ${MAX_DEPTH} levels (no event is)`, reason: 'schema' }
      }
      if (depth === 1) {
        // A second value after the first: not JSON, which JSON.parse words better.
        if (topSeen) return undefined
        topSeen = true
        topObject = c === 0x7b
      }
      expectKey = depth === 1 && topObject
    } else if (c === 0x7d || c === 0x5d) depth--
    else if (c === 0x2c) expectKey = depth === 1 && topObject
    else if (c > 0x20) expectKey = false
  }
  return undefined
}

/** Keys remembered per row to find one given twice (more than any event has). */
const MAX_KEYS = 32

const shortKey = (k: string) => (k.length > 40 ? `${k.slice(0, 40)}…` : k)
/** A key as an error shows it: bare when it is a plain word, like the contract's fields; else quoted, so no control character or blank reaches a log or a screen. */
const keyPhrase = (k: string) => (/^[A-Za-z_][\w.-]*…?$/.test(k) ? k : `the key ${JSON.stringify(k)}`)

function repeatedKey(key: string, index: number): ParsedRow {
  const field = shortKey(key)
  return { index, field, error: `row ${index}: ${keyPhrase(field)}: is given more than once`, reason: 'schema' }
}

/** How many times `ch` occurs in `text`, counting at most `max + 1`. */
function occurrences(text: string, ch: string, max: number): number {
  let n = 0
  for (let i = text.indexOf(ch); i >= 0 && n <= max; i = text.indexOf(ch, i + 1)) n++
  return n
}

/**
 * How many keys `text` may write: colons right after a closing quote (blanks between). Never
 * fewer than it writes (every key is followed so); more when a string holds `":`.
 */
function keysAtMost(text: string): number {
  let n = 0
  for (let i = text.indexOf(':'); i >= 0; i = text.indexOf(':', i + 1)) {
    let b = i - 1
    while (b >= 0 && jsonSpace(text.charCodeAt(b))) b--
    if (text.charCodeAt(b) === 0x22) n++
  }
  return n
}

/**
 * The value of a row's text, or its shape problem; throws what JSON.parse throws. rowShapeProblem
 * reads every key and bracket, which cost more than JSON.parse itself, so it runs only on a row
 * that may have a problem: more brackets than MAX_DEPTH (an event has two), or fewer keys parsed
 * than the text may write (one given twice).
 */
function parseShaped(text: string, index: number): ParsedRow {
  if (occurrences(text, '[', MAX_DEPTH) + occurrences(text, '{', MAX_DEPTH) > MAX_DEPTH) {
    const problem = rowShapeProblem(text, index)
    if (problem) return problem
  }
  const value = JSON.parse(text) as unknown
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    let keys = 0
    for (const _ in value) keys++
    if (keys < keysAtMost(text)) {
      const problem = rowShapeProblem(text, index)
      if (problem) return problem
    }
  }
  return { index, value }
}

/** One row's value from its text, or why it has none (`where`: "line 3 " for NDJSON). */
function parseRow(text: string, index: number, where: string): ParsedRow {
  try {
    return parseShaped(text, index)
  } catch (e) {
    return { index, error: `row ${index}: ${where}is not valid JSON: ${(e as Error).message}`, reason: 'json' }
  }
}

/** One NDJSON line's row: its value, or why it has none. */
export function parseLine(text: string, index: number, line: number): ParsedRow {
  return parseRow(text, index, `line ${line} `)
}

function parseNdjson(body: Buffer, maxRows: number): ParsedRow[] {
  const rows: ParsedRow[] = []
  // A body not UTF-8 throughout is checked line by line, so only the bad lines fail.
  const whole = isUtf8(body)
  eachNdjsonRow(body, maxRows, (index, line, s, e) => {
    const bytes = body.subarray(s, e)
    if (whole || isUtf8(bytes)) rows.push(parseLine(lineText(body, s, e), index, line))
    else rows.push({ index, error: `row ${index}: line ${line} is not valid UTF-8 (byte ${firstInvalidUtf8(bytes)} of the line)`, reason: 'utf8' })
  })
  return rows
}

/** Where a body's value starts: after a byte-order mark and whitespace. */
function valueStart(body: Buffer): number {
  let i = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0
  while (i < body.length && jsonSpace(body[i]!)) i++
  return i
}

/**
 * Splits a top-level JSON array into the byte ranges of its elements without decoding or
 * parsing them, so an element that is malformed or not UTF-8 fails alone: the bytes that matter
 * here (quotes, backslashes, brackets, commas) are ASCII, and no byte of a multi-byte UTF-8
 * character is. `start` is the index of the "[". Returns an error naming where when the array
 * itself is broken (unterminated string or bracket, text after the end); throws 413 as soon as
 * it has seen more than `maxRows` elements.
 */
export function splitJsonArray(body: Uint8Array, start: number, maxRows: number): { elements: Array<[number, number]> } | { error: string } {
  const elements: Array<[number, number]> = []
  let depth = 0
  let inString = false
  let from = start + 1
  for (let i = from; i < body.length; i++) {
    const c = body[i]!
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) {
        if (c === 0x7d) return { error: `an unmatched "}" at byte ${i} (in row ${elements.length})` }
        if (!blank(body, from, i) || elements.length > 0) elements.push([from, i])
        if (!blank(body, i + 1, body.length)) return { error: `text after the closing "]" at byte ${i + 1}` }
        if (elements.length > maxRows) throw tooMany(maxRows)
        return { elements }
      }
      depth--
    } else if (c === 0x2c && depth === 0) {
      elements.push([from, i])
      if (elements.length > maxRows) throw tooMany(maxRows)
      from = i + 1
    }
  }
  return { error: `the body ends inside row ${elements.length}${inString ? ' (in a string)' : ''}: cut off?` }
}

/** Whether a character code is JSON whitespace (space, tab, line feed, carriage return). */
function jsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d
}

/** Whether `b[s..e)` holds only JSON whitespace. */
function blank(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) if (!jsonSpace(b[i]!)) return false
  return true
}

function parseJson(body: Buffer, maxRows: number): ParsedRow[] {
  const start = valueStart(body)
  if (start === body.length) throw new BodyError(400, 'body holds no events')
  if (body[start] === 0x5b) return parseArrayElements(body, start, maxRows)
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new BodyError(400, `body is not valid UTF-8 (byte ${firstInvalidUtf8(body)})`)
  }
  try {
    return [parseShaped(text, 0)]
  } catch (e) {
    throw new BodyError(400, `body is not valid JSON: ${(e as Error).message}${looksLikeNdjson(text) ? '. It looks like NDJSON (one event per line): send it with Content-Type: application/x-ndjson' : ''}`)
  }
}

/** Whether a body that is not one JSON value is one JSON value per line. */
function looksLikeNdjson(text: string): boolean {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  if (lines.length < 2) return false
  try {
    JSON.parse(lines[0]!)
    JSON.parse(lines[1]!)
    return true
  } catch {
    return false
  }
}

function parseArrayElements(body: Buffer, start: number, maxRows: number): ParsedRow[] {
  const split = splitJsonArray(body, start, maxRows)
  if ('error' in split) {
    // The JSON parser's own words too, where the body is text it can read.
    const text = isUtf8(body) ? body.toString('utf8', start) : undefined
    let parser = ''
    if (text !== undefined && text.length < 1_000_000) {
      try {
        JSON.parse(text)
      } catch (e) {
        parser = ` (${(e as Error).message})`
      }
    }
    throw new BodyError(400, `body is not valid JSON: ${split.error}${parser}`)
  }
  if (split.elements.length === 0) throw new BodyError(400, 'body holds no events')
  const last = split.elements.length - 1
  return split.elements.map(([s, e], index) => {
    if (index === last && index > 0 && blank(body, s, e)) return { index, error: `row ${index}: is empty (a comma after the last event?)`, reason: 'json' as const }
    const bytes = body.subarray(s, e)
    if (!isUtf8(bytes)) return { index, error: `row ${index}: is not valid UTF-8 (byte ${s + firstInvalidUtf8(bytes)} of the body)`, reason: 'utf8' as const }
    return parseRow(bytes.toString('utf8'), index, '')
  })
}

export function parseRows(body: Buffer, ndjson: boolean, maxRows: number): ParsedRow[] {
  return ndjson ? parseNdjson(body, maxRows) : parseJson(body, maxRows)
}
