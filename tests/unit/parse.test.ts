import { describe, expect, it } from 'vitest'
import { BodyError, decodeBody, isNdjson, parseRows } from '../../ingest/parse.ts'

describe('request bodies', () => {
  it('takes one JSON object as one row', () => {
    expect(parseRows('{"a":1}', false, 10)).toEqual([{ index: 0, value: { a: 1 } }])
  })

  it('takes a JSON array as rows in order', () => {
    expect(parseRows('[{"a":1},{"a":2}]', false, 10).map((r) => r.index)).toEqual([0, 1])
  })

  it('names the malformed NDJSON line and keeps the others', () => {
    const rows = parseRows('{"a":1}\n{oops\n\n{"a":3}\n', true, 10)
    expect(rows).toHaveLength(3)
    expect(rows[0]).toEqual({ index: 0, value: { a: 1 } })
    expect(rows[1]).toMatchObject({ index: 1 })
    expect((rows[1] as { error: string }).error).toMatch(/^line 2 is not valid JSON/)
    expect(rows[2]).toEqual({ index: 2, value: { a: 3 } })
  })

  it('refuses malformed JSON as a whole with 400', () => {
    expect(() => parseRows('[{"a":1},', false, 10)).toThrowError(BodyError)
    try {
      parseRows('[{"a":1},', false, 10)
    } catch (e) {
      expect((e as BodyError).status).toBe(400)
      expect((e as Error).message).toMatch(/not valid JSON/)
    }
  })

  it('refuses an empty array and an NDJSON body of blank lines', () => {
    expect(() => parseRows('[]', false, 10)).toThrow(/no events/)
    expect(() => parseRows('\n \n', true, 10)).toThrow(/no events/)
  })

  it('refuses more rows than the batch limit with 413', () => {
    try {
      parseRows('[1,2,3]', false, 2)
      expect.unreachable()
    } catch (e) {
      expect((e as BodyError).status).toBe(413)
    }
    expect(() => parseRows('1\n2\n3', true, 2)).toThrow(/more than 2 events/)
  })

  it('refuses invalid UTF-8', () => {
    expect(() => decodeBody(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).toThrow(/not valid UTF-8/)
    expect(decodeBody(Buffer.from('{"note":"大弯"}'))).toBe('{"note":"大弯"}')
  })

  it('recognises NDJSON content types', () => {
    expect(isNdjson('application/x-ndjson')).toBe(true)
    expect(isNdjson('application/x-ndjson; charset=utf-8')).toBe(true)
    expect(isNdjson('application/json')).toBe(false)
    expect(isNdjson(undefined)).toBe(false)
  })
})
