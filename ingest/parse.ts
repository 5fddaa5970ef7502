/**
 * Turns a request body into rows: one JSON object, a JSON array, or NDJSON. A malformed NDJSON
 * line is a failed row (named by its index), not a failed request; malformed JSON fails the
 * request, since no row boundary can be trusted in it.
 */
export type ParsedRow = { index: number; value: unknown } | { index: number; error: string }

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message)
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

export function decodeBody(body: Buffer | string): string {
  if (typeof body === 'string') return body
  try {
    return utf8.decode(body)
  } catch {
    throw new BodyError(400, 'body is not valid UTF-8')
  }
}

export function isNdjson(contentType: string | undefined): boolean {
  const ct = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return ct === 'application/x-ndjson' || ct === 'application/ndjson' || ct === 'application/jsonl'
}

export function parseRows(text: string, ndjson: boolean, maxRows: number): ParsedRow[] {
  if (ndjson) {
    const rows: ParsedRow[] = []
    const lines = text.split('\n')
    let index = 0
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim()
      if (line === '') continue
      if (index >= maxRows) throw new BodyError(413, `more than ${maxRows} events in one request; split the batch`)
      try {
        rows.push({ index, value: JSON.parse(line) })
      } catch (e) {
        rows.push({ index, error: `line ${i + 1} is not valid JSON: ${(e as Error).message}` })
      }
      index++
    }
    if (rows.length === 0) throw new BodyError(400, 'body holds no events')
    return rows
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    throw new BodyError(400, `body is not valid JSON: ${(e as Error).message}`)
  }
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0) throw new BodyError(400, 'body holds no events')
  if (list.length > maxRows) throw new BodyError(413, `more than ${maxRows} events in one request; split the batch`)
  return list.map((v, index) => ({ index, value: v }))
}
