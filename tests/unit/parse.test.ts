import { describe, expect, it } from 'vitest'
import { BodyError, firstInvalidUtf8, isNdjson, MAX_DEPTH, parseRows, rowShapeProblem, splitJsonArray } from '../../ingest/parse.ts'

const b = (s: string) => Buffer.from(s)

describe('request bodies', () => {
  it('takes one JSON object as one row', () => {
    expect(parseRows(b('{"a":1}'), false, 10)).toEqual([{ index: 0, value: { a: 1 } }])
  })

  it('takes a JSON array as rows in order', () => {
    expect(parseRows(b('[{"a":1},{"a":2}]'), false, 10).map((r) => r.index)).toEqual([0, 1])
  })

  it('names the malformed NDJSON line and keeps the others', () => {
    const rows = parseRows(b('{"a":1}\n{oops\n\n{"a":3}\n'), true, 10)
    expect(rows).toHaveLength(3)
    expect(rows[0]).toEqual({ index: 0, value: { a: 1 } })
    expect(rows[1]).toMatchObject({ index: 1, reason: 'json' })
    expect((rows[1] as { error: string }).error).toMatch(/^row 1: line 2 is not valid JSON/)
    expect(rows[2]).toEqual({ index: 2, value: { a: 3 } })
  })

  it('fails only the NDJSON line that is not UTF-8, naming the byte', () => {
    const body = Buffer.concat([b('{"a":1}\n{"a":"'), Buffer.from([0xc3, 0x28]), b('"}\n{"a":"大弯"}\n')])
    const rows = parseRows(body, true, 10)
    expect(rows[0]).toEqual({ index: 0, value: { a: 1 } })
    expect(rows[1]).toEqual({ index: 1, error: 'row 1: line 2 is not valid UTF-8 (byte 6 of the line)', reason: 'utf8' })
    expect(rows[2]).toEqual({ index: 2, value: { a: '大弯' } })
  })

  it('keeps the good elements of a JSON array with one malformed element', () => {
    const rows = parseRows(b('[{"a":1}, {"a":tru}, {"a":"x,]}"}]'), false, 10)
    expect(rows[0]).toEqual({ index: 0, value: { a: 1 } })
    expect(rows[1]).toMatchObject({ index: 1, reason: 'json' })
    expect((rows[1] as { error: string }).error).toMatch(/^row 1: is not valid JSON/)
    expect(rows[2]).toEqual({ index: 2, value: { a: 'x,]}' } })
  })

  it('refuses a body cut off mid-row as a whole with 400, saying where', () => {
    try {
      parseRows(b('[{"a":1},{"a":"cut'), false, 10)
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(BodyError)
      expect((e as BodyError).status).toBe(400)
      expect((e as Error).message).toMatch(/ends inside row 1 \(in a string\)/)
    }
    expect(() => parseRows(b('{"a":1'), false, 10)).toThrow(/not valid JSON/)
  })

  it('refuses an empty array and an NDJSON body of blank lines', () => {
    expect(() => parseRows(b('[]'), false, 10)).toThrow(/no events/)
    expect(() => parseRows(b('\n \n'), true, 10)).toThrow(/no events/)
  })

  it('refuses more rows than the batch limit with 413', () => {
    try {
      parseRows(b('[1,2,3]'), false, 2)
      expect.unreachable()
    } catch (e) {
      expect((e as BodyError).status).toBe(413)
    }
    expect(() => parseRows(b('1\n2\n3'), true, 2)).toThrow(/more than 2 events/)
  })

  it('refuses a JSON body that is not UTF-8, naming the byte', () => {
    expect(() => parseRows(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]), false, 10)).toThrow('body is not valid UTF-8 (byte 2)')
  })

  it('finds the first byte that is not UTF-8: stray, truncated, overlong, surrogate', () => {
    expect(firstInvalidUtf8(b('plain 大弯 text'))).toBe(-1)
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xff]))).toBe(1)
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xe5, 0xa4]))).toBe(1)
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0)
    expect(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0)
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0)
  })

  it('splits a top-level array without being fooled by strings, escapes and nesting', () => {
    const body = b('[1, "a,\\"]", {"b":[1,2]}, [3]]')
    const split = splitJsonArray(body, 0, 10)
    expect('elements' in split && split.elements.map(([s, e]) => body.toString('utf8', s, e))).toEqual(['1', ' "a,\\"]"', ' {"b":[1,2]}', ' [3]'])
    expect(splitJsonArray(b('[1] trailing'), 0, 10)).toEqual({ error: 'text after the closing "]" at byte 3' })
  })

  it('finds a key given twice in the object of a row, however it is spelt, and nothing else', () => {
    expect(rowShapeProblem('{"a":1,"b":2,"a":3}', 4)).toEqual({ index: 4, field: 'a', error: 'row 4: a: is given more than once', reason: 'schema' })
    expect(rowShapeProblem('{"type":1, "ty\\u0070e" :2}', 0)).toMatchObject({ field: 'type' })
    expect(rowShapeProblem('{"a\\"b":1,"a\\"b":2}', 0)).toMatchObject({ field: 'a"b' })
    // A key that is no plain word is quoted: no blank and no control character reaches a log or a screen.
    expect(rowShapeProblem('{"":1,"":2}', 0)).toMatchObject({ field: '', error: 'row 0: the key "": is given more than once' })
    expect(rowShapeProblem('{"\\u001b[2J":1,"\\u001b[2J":2}', 0)).toMatchObject({ error: 'row 0: the key "\\u001b[2J": is given more than once' })
    // Keys of nested objects, values that look like keys, and the same key in two rows are not repeats.
    for (const ok of ['{"a":{"x":1},"b":{"x":2}}', '{"a":"a","b":["a","b"]}', '{"a":",\\"a\\":"}', '[{"a":1},{"a":2}]', '{"a":1}']) expect(rowShapeProblem(ok, 0), ok).toBeUndefined()
    // Text that is not one JSON value is JSON.parse's to word.
    expect(rowShapeProblem('{"a":1}\n{"a":2}', 0)).toBeUndefined()
  })

  it('refuses nesting no event has before parsing it, naming the field it is in', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n)
    expect(rowShapeProblem(`{"groups":${deep(MAX_DEPTH - 1)}}`, 0)).toBeUndefined()
    expect(rowShapeProblem(`{"event_id":"E","groups":${deep(MAX_DEPTH)}}`, 2)).toEqual({ index: 2, field: 'groups', error: `row 2: groups: is nested deeper than ${MAX_DEPTH} levels (no event is)`, reason: 'schema' })
    expect(rowShapeProblem(deep(8_000_000), 0)).toMatchObject({ field: '', error: `row 0: is nested deeper than ${MAX_DEPTH} levels (no event is)` })
    // Brackets inside strings are text.
    expect(rowShapeProblem(`{"note":"${'['.repeat(100)}"}`, 0)).toBeUndefined()
  })

  it('recognises NDJSON content types', () => {
    expect(isNdjson('application/x-ndjson')).toBe(true)
    expect(isNdjson('application/x-ndjson; charset=utf-8')).toBe(true)
    expect(isNdjson('application/json')).toBe(false)
    expect(isNdjson(undefined)).toBe(false)
  })
})
