/**
 * A hostile corpus over real HTTP: bodies that are not UTF-8, cut off, 100,000 levels deep,
 * larger than the body limit (declared, streamed, or hidden in gzip), over the row limit, sent
 * under the wrong content type, empty, and one mixed NDJSON batch. Each gets its status and a
 * named error; afterwards the same app still takes a good event into the store, and the valid
 * rows of the mixed batch are stored exactly once, with their notes redacted.
 * Fixture: the demo registry, no events, the ingest key INGEST_KEY (tests/support/app.ts), a
 * body limit of 256 KiB (INGEST_MAX_BODY_BYTES: a 100,000-deep body of 200 kB still fits) and at
 * most 200 rows per request (INGEST_MAX_BATCH_ROWS).
 */
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IngestResult } from '../../server/contracts/ingest.ts'
import { INGEST_KEY, startTestApp, type TestApp } from '../support/app.ts'

const MAX_BODY = 256 * 1024
const MAX_ROWS = 200
const MOBILE = '13800001234'
const ID_CARD = '510104199001011234'
const PERSONAL_NOTE = `楼道堆放杂物，业主电话${MOBILE}，身份证${ID_CARD}`

let app: TestApp
let dawan: string
let seq = 0

const iso = (ms: number) => new Date(ms).toISOString()
const nextId = (p: string) => `${p}-${process.pid}-${++seq}`
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

function reported(over: Record<string, unknown> = {}): Record<string, unknown> {
  const reportId = nextId('BAD')
  return { event_id: `${reportId}-reported`, report_id: reportId, type: 'reported', at: iso(app.now() - 60_000), micro_grid: dawan, category: 'clutter', channel: 'app', reporter_role: 'resident', ...over }
}

type Answer = Partial<IngestResult> & { error?: string }

/** A raw POST: any body, any content type (null: none), any extra headers. Fails unless the answer is JSON. */
async function send(kind: 'reports' | 'visits', body: string | Buffer | ReadableStream<Uint8Array>, contentType: string | null, headers: Record<string, string> = {}): Promise<{ status: number; body: Answer }> {
  const h: Record<string, string> = { authorization: `Bearer ${INGEST_KEY}`, ...headers }
  if (contentType !== null) h['content-type'] = contentType
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers: h, body: Buffer.isBuffer(body) ? new Uint8Array(body) : body }
  if (body instanceof ReadableStream) init.duplex = 'half'
  const res = await fetch(`${app.url}/api/v1/${kind}`, init)
  const text = await res.text()
  try {
    return { status: res.status, body: JSON.parse(text) as Answer }
  } catch {
    throw new Error(`answer ${res.status} is not JSON: ${text.slice(0, 300)}`)
  }
}

/** Rows of report_events for these ids, each with how many times it is stored (no FINAL: a double insert must show). */
async function stored(ids: string[]): Promise<Array<{ event_id: string; n: number; note: string; category: string }>> {
  const rs = await app.store.reader.query({
    query: 'SELECT event_id, count() AS n, any(note) AS note, any(category) AS category FROM report_events WHERE event_id IN {ids:Array(String)} GROUP BY event_id ORDER BY event_id',
    query_params: { ids },
    format: 'JSONEachRow',
  })
  return ((await rs.json()) as Array<{ event_id: string; n: number | string; note: string; category: string }>).map((r) => ({ ...r, n: Number(r.n) }))
}

beforeAll(async () => {
  app = await startTestApp({ INGEST_MAX_BODY_BYTES: String(MAX_BODY), INGEST_MAX_BATCH_ROWS: String(MAX_ROWS) })
  dawan = app.registry().places.find((p) => p.level === 'micro_grid' && p.code.startsWith('qingbaijiang.dawan.'))!.code
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('a hostile corpus over HTTP', () => {
  it('fails only the element of a JSON array that is not UTF-8, naming the byte, and a lone object that is not with 400', async () => {
    const head = `[${JSON.stringify(reported())},{"event_id":"`
    const res = await send('reports', Buffer.concat([Buffer.from(head), Buffer.from([0xc3, 0x28]), Buffer.from('"}]')]), 'application/json')
    expect(res).toEqual({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [{ index: 1, field: '', reason: 'utf8', error: `row 1: is not valid UTF-8 (byte ${Buffer.byteLength(head)} of the body)` }] } })
    const lone = await send('reports', Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), 'application/json')
    expect(lone).toEqual({ status: 400, body: { error: 'body is not valid UTF-8 (byte 13)' } })
  })

  it('refuses a JSON array cut off mid-row with 400, naming the row', async () => {
    const body = JSON.stringify([reported(), reported(), reported()])
    const res = await send('reports', body.slice(0, body.lastIndexOf('"category"') + 4), 'application/json')
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(/^body is not valid JSON: the body ends inside row 2 \(in a string\): cut off\?/)
  })

  it('answers a whole body of 100,000 nested arrays with a row error, not a crash', async () => {
    const res = await send('reports', nested(100_000), 'application/json')
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ accepted: 0, duplicates: 0 })
    expect(res.body.rejected).toEqual([{ index: 0, field: '', reason: 'schema', error: 'row 0: is nested deeper than 16 levels (no event is)' }])
  })

  it('answers 413 with a clear message for a body over INGEST_MAX_BODY_BYTES, declared or streamed', async () => {
    const ids: string[] = []
    const rows: string[] = []
    for (let size = 0; size <= MAX_BODY; ) {
      const r = reported({ note: '路灯不亮'.repeat(100) })
      ids.push(r.event_id as string)
      rows.push(JSON.stringify(r))
      size += Buffer.byteLength(rows.at(-1)!) + 1
    }
    const tooLarge = { status: 413, body: { error: `the body is larger than ${MAX_BODY} bytes; split the batch` } }
    // Content-Length says it all up front.
    expect(await send('reports', rows.join('\n'), 'application/x-ndjson')).toEqual(tooLarge)
    // Chunked, no length: found out while reading.
    const bytes = Buffer.from(rows.join('\n'))
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 16_384) c.enqueue(bytes.subarray(i, i + 16_384))
        c.close()
      },
    })
    expect(await send('reports', chunked, 'application/x-ndjson')).toEqual(tooLarge)
    await app.ingest.drain()
    expect(await stored(ids)).toEqual([])
  })

  it('answers 413 for a small gzip body that inflates past the limit', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * MAX_BODY, 0x20))
    expect(bomb.length).toBeLessThan(MAX_BODY / 8)
    const res = await send('reports', bomb, 'application/json', { 'content-encoding': 'gzip' })
    expect(res).toEqual({ status: 413, body: { error: expect.stringMatching(/^the body is larger than \d+ bytes; split the batch$/) } })
  })

  it('answers 400 naming the encoding for a body that claims gzip and is not, 415 for an unknown encoding', async () => {
    const fake = await send('reports', JSON.stringify(reported()), 'application/json', { 'content-encoding': 'gzip' })
    expect(fake.status).toBe(400)
    expect(fake.body.error).toMatch(/gzip/i)
    const unknown = await send('reports', JSON.stringify(reported()), 'application/json', { 'content-encoding': 'xz' })
    expect(unknown).toEqual({ status: 415, body: { error: 'unsupported content encoding "xz"' } })
  })

  it('answers 413 for more rows than INGEST_MAX_BATCH_ROWS and keeps none of them', async () => {
    const rows = Array.from({ length: MAX_ROWS + 1 }, () => reported())
    const res = await send('reports', rows.map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson')
    expect(res).toEqual({ status: 413, body: { error: `more than ${MAX_ROWS} events in one request; split the batch` } })
    const asArray = await send('reports', JSON.stringify(rows), 'application/json')
    expect(asArray).toEqual(res)
    await app.ingest.drain()
    expect(await stored(rows.map((r) => r.event_id as string))).toEqual([])
  })

  it('answers 400 for an empty body', async () => {
    expect(await send('reports', '', 'application/json')).toEqual({ status: 400, body: { error: 'the body is empty; send a JSON object, a JSON array or NDJSON' } })
    expect(await send('reports', '[]', 'application/json')).toEqual({ status: 400, body: { error: 'body holds no events' } })
  })

  it('tells a client that sent NDJSON as application/json which content type to use', async () => {
    const body = [reported(), reported()].map((r) => JSON.stringify(r)).join('\n')
    const res = await send('reports', body, 'application/json')
    expect(res.status).toBe(400)
    expect(res.body.error).toMatch(/^body is not valid JSON: /)
    expect(res.body.error).toMatch(/application\/x-ndjson/)
  })

  it('answers a form-encoded body with a 4xx JSON error, never a 500', async () => {
    const res = await send('reports', 'event_id=E-1&type=reported', 'application/x-www-form-urlencoded')
    expect([400, 415]).toContain(res.status)
    expect(res.body.error).toMatch(/JSON/)
  })

  it('keeps the valid rows of a mixed NDJSON batch exactly once, redacted, and names every bad row', async () => {
    const a = reported({ note: PERSONAL_NOTE })
    const b = reported({ note: `${PERSONAL_NOTE}。再报一次` })
    const c = reported()
    const lines: Array<string | Buffer> = [
      JSON.stringify(a), // row 0, line 1
      '{"event_id": oops', // row 1, line 2
      JSON.stringify(reported({ category: 'pothole' })), // row 2, line 3
      JSON.stringify(b), // row 3, line 4
      Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xff]), Buffer.from('"}')]), // row 4, line 5
      '', // line 6: not a row
      JSON.stringify({ ...reported(), note: undefined }).slice(0, -1) + `,"note":${nested(10_000)}}`, // row 5, line 7
      JSON.stringify(reported({ micro_grid: 'nowhere.m1' })), // row 6, line 8
      JSON.stringify(c), // row 7, line 9
      JSON.stringify(a), // row 8, line 10: an exact resend
      JSON.stringify({ ...a, category: 'sanitation' }), // row 9, line 11: a's id, other content
      JSON.stringify(reported({ at: iso(app.now() + 3_600_000) })), // row 10, line 12
      JSON.stringify(reported({ mood: 'grumpy' })), // row 11, line 13
    ]
    const body = Buffer.concat(lines.flatMap((l) => [typeof l === 'string' ? Buffer.from(l) : l, Buffer.from('\n')]))
    const expected = [
      { index: 1, field: '', reason: 'json', error: expect.stringMatching(/^row 1: line 2 is not valid JSON: /) },
      { index: 2, field: 'category', reason: 'schema', error: expect.stringMatching(/^row 2: category: must be one of /) },
      { index: 4, field: '', reason: 'utf8', error: 'row 4: line 5 is not valid UTF-8 (byte 13 of the line)' },
      { index: 5, field: 'note', reason: 'schema', error: 'row 5: note: is nested deeper than 16 levels (no event is)' },
      { index: 6, field: 'micro_grid', reason: 'unknown_micro_grid', error: 'row 6: micro_grid: unknown micro-grid "nowhere.m1"' },
      { index: 9, field: 'event_id', reason: 'id_conflict', error: `row 9: event_id: "${a.event_id}" is used by row 0 with different content` },
      { index: 10, field: 'at', reason: 'future', error: expect.stringMatching(/^row 10: at: is more than 10 minutes in the future \(/) },
      { index: 11, field: 'mood', reason: 'schema', error: 'row 11: unknown field "mood"' },
    ]
    const first = await send('reports', body, 'application/x-ndjson')
    expect(first).toEqual({ status: 200, body: { accepted: 3, duplicates: 1, rejected: expected } })
    // The same batch again: every valid row is now a duplicate, the bad rows are named again.
    const again = await send('reports', body, 'application/x-ndjson; charset=utf-8')
    expect(again).toEqual({ status: 200, body: { accepted: 0, duplicates: 4, rejected: expected } })

    await app.ingest.drain()
    const rows = await stored([a, b, c].map((r) => r.event_id as string))
    expect(rows.map((r) => [r.event_id, r.n, r.category])).toEqual(
      [a, b, c].map((r) => [r.event_id, 1, 'clutter']).sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    )
    for (const r of rows) {
      expect(r.note).not.toContain(MOBILE)
      expect(r.note).not.toContain(ID_CARD)
    }
    expect(rows.find((r) => r.event_id === a.event_id)!.note).toBe('楼道堆放杂物，业主电话[电话已隐藏]，身份证[证件号已隐藏]')
  })
})

describe('after the corpus', () => {
  it('survives the whole corpus sent at once, then still takes a good event into the store', async () => {
    const deep = nested(100_000)
    const notUtf8 = Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xfe]), Buffer.from('"}')])
    const answers = await Promise.all([
      send('reports', deep, 'application/json'),
      send('visits', deep, 'application/x-ndjson'),
      send('reports', notUtf8, 'application/json'),
      send('visits', notUtf8, 'application/x-ndjson'),
      send('reports', '[{"event_id":"cut', 'application/json'),
      send('reports', Buffer.alloc(MAX_BODY + 1, 0x20), 'application/json'),
      send('reports', JSON.stringify(Array.from({ length: MAX_ROWS + 1 }, () => 1)), 'application/json'),
      send('reports', '', null),
      send('visits', `${JSON.stringify(reported())}\n{oops`, 'application/x-ndjson'),
    ])
    expect(answers.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 413, 413, 400, 400])
    for (const r of answers) expect(r.body.error ?? r.body.rejected?.[0]?.error).toEqual(expect.any(String))

    const health = await fetch(`${app.url}/healthz`)
    expect(health.status).toBe(200)
    const good = reported({ note: `好的一条，电话${MOBILE}` })
    const res = await app.post('reports', good)
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, duplicates: 0, rejected: [] } })
    await app.ingest.drain()
    expect(await stored([good.event_id as string])).toEqual([{ event_id: good.event_id, n: 1, note: '好的一条，电话[电话已隐藏]', category: 'clutter' }])
  })
})
