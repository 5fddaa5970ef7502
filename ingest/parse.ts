/**
 * Turns a request body into rows: one JSON object, a JSON array, or NDJSON. Whatever can be
 * pinned on one row fails only that row: a malformed or non-UTF-8 NDJSON line, a malformed
 * element of an otherwise well-formed JSON array. Only a body whose row boundaries can't be
 * found (say, cut off mid-row) fails as a whole, naming where.
 */
import { isUtf8 } from 'node:buffer'

export type ParsedRow = { index: number; value: unknown } | { index: number; error: string; reason: 'json' | 'utf8' }

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

/** One NDJSON line's row: its value, or why it has none. */
export function parseLine(text: string, index: number, line: number): ParsedRow {
  try {
    return { index, value: JSON.parse(text) as unknown }
  } catch (e) {
    return { index, error: `row ${index}: line ${line} is not valid JSON: ${(e as Error).message}`, reason: 'json' }
  }
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

/**
 * Splits a top-level JSON array into the source text of its elements without parsing them,
 * so one malformed element fails alone. Returns an error naming where when the array itself
 * is broken (unterminated string or bracket, text after the end).
 */
export function splitJsonArray(text: string): { elements: string[] } | { error: string } {
  let i = text.indexOf('[') + 1
  const elements: string[] = []
  let depth = 0
  let inString = false
  let start = i
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
      continue
    }
    if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) depth++
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) {
        if (c === 0x7d) return { error: `an unmatched "}" at character ${i} (in row ${elements.length})` }
        const last = text.slice(start, i)
        if (last.trim() !== '' || elements.length > 0) elements.push(last)
        if (text.slice(i + 1).trim() !== '') return { error: `text after the closing "]" at character ${i + 1}` }
        return { elements }
      }
      depth--
    } else if (c === 0x2c && depth === 0) {
      elements.push(text.slice(start, i))
      start = i + 1
    }
  }
  return { error: `the body ends inside row ${elements.length}${inString ? ' (in a string)' : ''}: cut off?` }
}

function parseJson(body: Buffer, maxRows: number): ParsedRow[] {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    throw new BodyError(400, `body is not valid UTF-8 (byte ${firstInvalidUtf8(body)})`)
  }
  if (text.trim() === '') throw new BodyError(400, 'body holds no events')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    if (text.trimStart().startsWith('[')) return parseArrayElements(text, maxRows, (e as Error).message)
    throw new BodyError(400, `body is not valid JSON: ${(e as Error).message}${looksLikeNdjson(text) ? '. It looks like NDJSON (one event per line): send it with Content-Type: application/x-ndjson' : ''}`)
  }
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0) throw new BodyError(400, 'body holds no events')
  if (list.length > maxRows) throw tooMany(maxRows)
  return list.map((v, index) => ({ index, value: v }))
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

function parseArrayElements(text: string, maxRows: number, wholeError: string): ParsedRow[] {
  const split = splitJsonArray(text)
  if ('error' in split) throw new BodyError(400, `body is not valid JSON: ${split.error} (${wholeError})`)
  if (split.elements.length > maxRows) throw tooMany(maxRows)
  const last = split.elements.length - 1
  return split.elements.map((src, index) => {
    if (index === last && index > 0 && src.trim() === '') return { index, error: `row ${index}: is empty (a comma after the last event?)`, reason: 'json' as const }
    try {
      return { index, value: JSON.parse(src) as unknown }
    } catch (e) {
      return { index, error: `row ${index}: is not valid JSON: ${(e as Error).message}`, reason: 'json' as const }
    }
  })
}

export function parseRows(body: Buffer, ndjson: boolean, maxRows: number): ParsedRow[] {
  return ndjson ? parseNdjson(body, maxRows) : parseJson(body, maxRows)
}
