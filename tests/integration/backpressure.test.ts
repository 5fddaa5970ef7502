/**
 * Bounded memory under a burst: past INGEST_MAX_INFLIGHT_BYTES of request bodies in processing,
 * ingest answers 429 with Retry-After instead of queueing; what it acknowledged is stored, what
 * it refused is not, and a refused batch goes in when sent again. A body holds its room from the
 * start: a compressed one its worst case (the body limit) until it is inflated, one of a declared
 * length that length; a chunked one holds the bytes it sent, so a stalled upload blocks no one.
 * A body that sends nothing for INGEST_BODY_IDLE_MS is answered 408; one that will be refused
 * unread (413, 415) holds nothing; a refused request shows in /metrics.
 * Fixture: the demo registry; at most 300 kB of bodies in processing at once; bodies of at most
 * 1 MiB; 2 s without a byte ends a body; 20 concurrent bodies of ~150 kB each. Uploads held
 * open are written piece by piece through node:http (fetch can't hold a body half-sent).
 */
import http from 'node:http'
import { gzipSync } from 'node:zlib'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { INGEST_KEY, startTestApp, type TestApp } from '../support/app.ts'
import { scrapeMetrics } from '../support/metrics.ts'

const MAX_INFLIGHT = 300_000
const MAX_BODY = 1024 * 1024
const IDLE_MS = 2_000

let app: TestApp
let microGrid: string
let seq = 0

beforeAll(async () => {
  app = await startTestApp({ INGEST_MAX_INFLIGHT_BYTES: String(MAX_INFLIGHT), INGEST_MAX_BODY_BYTES: String(MAX_BODY), INGEST_BODY_IDLE_MS: String(IDLE_MS) })
  microGrid = app.registry().places.find((p) => p.level === 'micro_grid')!.code
})

afterAll(async () => {
  await app?.stopAndClean()
})

/** Uploads a test holds open: closed after it, however it ended, so the next starts with nothing in flight. */
const held: HeldUpload[] = []
afterEach(async () => {
  for (const u of held.splice(0)) u.abort()
  await until(() => app.ingest.inFlight === 0, 'every upload to let its room go')
})

function batch(length = 800): Array<Record<string, unknown>> {
  return Array.from({ length }, () => {
    const id = `P-${process.pid}-${++seq}`
    return { event_id: id, report_id: id, type: 'reported', at: new Date(app.now() - 60_000).toISOString(), micro_grid: microGrid, category: 'sanitation', note: '垃圾桶满溢，周边有异味，请尽快清运。' }
  })
}

describe('a burst past the in-flight bound', () => {
  it('is answered 429 with Retry-After for what does not fit, and loses nothing it acknowledged', async () => {
    const batches = Array.from({ length: 20 }, batch)
    expect(Buffer.byteLength(JSON.stringify(batches[0]))).toBeGreaterThan(150_000)
    const answers = await Promise.all(batches.map((b) => app.post('reports', b)))
    const refused = answers.flatMap((a, i) => (a.status === 429 ? [i] : []))
    const acked = answers.flatMap((a, i) => (a.status === 200 ? [i] : []))
    expect(refused.length + acked.length).toBe(20)
    expect(refused.length).toBeGreaterThan(0)
    expect(acked.length).toBeGreaterThan(0)
    for (const i of refused) {
      expect(answers[i]!.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(answers[i]!.body.error).toMatch(/busy.*nothing from this request was kept/)
    }
    await app.ingest.drain()
    const ids = (i: number) => batches[i]!.map((e) => e.event_id as string)
    const count = async (list: string[]) =>
      Number((await (await app.store.reader.query({ query: 'SELECT count() AS n FROM report_events WHERE event_id IN {ids:Array(String)}', query_params: { ids: list }, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n)
    expect(await count(acked.flatMap(ids))).toBe(acked.length * 800)
    expect(await count(refused.flatMap(ids))).toBe(0)

    // Sent again one at a time, the refused batches go in.
    for (const i of refused) expect((await app.post('reports', batches[i])).body.accepted).toBe(800)
  })
})

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: { accepted?: number; error?: string } }

/** An upload whose body is written piece by piece and held open in between (chunked unless it declares a length). */
interface HeldUpload {
  /** Writes a piece of the body; resolves once it is handed to the socket. */
  write(piece: string | Buffer): Promise<void>
  /** The answer, whenever the server sends it (before the body ends, if it refuses it). */
  answer: Promise<Answer>
  /** Whether the answer has come. */
  answered(): boolean
  /** Resolves when the connection is closed, by either side. */
  closed: Promise<void>
  /** Gives up on the upload: closes the connection mid-body. */
  abort(): void
}

function holdUpload(headers: Record<string, string> = {}): HeldUpload {
  const req = http.request(`http://127.0.0.1:${app.port}/api/v1/reports`, {
    method: 'POST',
    agent: false,
    headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json', ...headers },
  })
  let done = false
  let aborted = false
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => {
        done = true
        resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) as Answer['body'] })
      })
    })
    // Once answered, the server closing the connection under a write is what was asked for.
    req.on('error', (e) => (done || aborted ? undefined : reject(e)))
  })
  const closed = new Promise<void>((resolve) => req.on('close', () => resolve()))
  req.flushHeaders()
  const upload: HeldUpload = {
    write: (piece) => new Promise((resolve) => req.write(piece, () => resolve())),
    answer,
    answered: () => done,
    closed,
    abort: () => {
      aborted = true
      req.destroy()
    },
  }
  held.push(upload)
  return upload
}

/** Keeps an upload from going idle: writes `rest` a byte every 100 ms (well inside IDLE_MS) until stopped. */
function trickle(upload: HeldUpload, rest: Buffer | string): () => void {
  const bytes = Buffer.from(rest)
  let i = 0
  const timer = setInterval(() => {
    if (i < bytes.length) void upload.write(bytes.subarray(i, ++i))
  }, 100)
  return () => clearInterval(timer)
}

/** Waits (up to 10 s) until `pred` holds, checking every few milliseconds. */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; !pred(); i++) {
    if (i > 1000) throw new Error(`waited 10 s for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const metrics = () => scrapeMetrics(app.url)

const refusedSeries = (status: number, why: string) => `gridpulse_ingest_refused_requests_total{status="${status}",why="${why}"}`

/** A raw POST of reports with any body and headers (a stream is sent chunked). */
async function send(body: string | Buffer | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<{ status: number; body: { accepted?: number; error?: string } }> {
  const init: RequestInit & { duplex?: 'half' } = {
    method: 'POST',
    headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json', ...headers },
    body: Buffer.isBuffer(body) ? new Uint8Array(body) : body,
  }
  if (body instanceof ReadableStream) init.duplex = 'half'
  const res = await fetch(`${app.url}/api/v1/reports`, init)
  return { status: res.status, body: (await res.json()) as { accepted?: number; error?: string } }
}

describe('a compressed body', () => {
  it('holds the body limit while it is read, whatever its compressed length, so a few kilobytes can\'t stand for megabytes', async () => {
    // Alone it goes in.
    expect((await send(gzipSync(JSON.stringify(batch(100))), { 'content-encoding': 'gzip' })).body.accepted).toBe(100)

    const gz = gzipSync(JSON.stringify(batch(100)))
    expect(gz.length).toBeLessThan(MAX_INFLIGHT / 10)
    const upload = holdUpload({ 'content-encoding': 'gzip', 'content-length': String(gz.length) })
    await upload.write(gz.subarray(0, gz.length >> 1))
    await until(() => app.ingest.inFlight > 0, 'the held gzip body to be admitted')
    const stop = trickle(upload, gz.subarray(gz.length >> 1, gz.length - 1))
    try {
      expect(app.ingest.inFlight).toBe(MAX_BODY)
      // Another compressed body does not fit beside it.
      const other = await send(gzipSync(JSON.stringify(batch(10))), { 'content-encoding': 'gzip' })
      expect(other.status).toBe(429)
      expect(other.body.error).toMatch(/busy.*nothing from this request was kept/)
      expect(upload.answered()).toBe(false)
    } finally {
      stop()
    }

    upload.abort()
    await until(() => app.ingest.inFlight === 0, 'the aborted upload to let its room go')
  })
})

describe('a stalled upload', () => {
  it('holds only the bytes it sent, so others are served while it stalls; it is answered 408 and lets its room go', async () => {
    const before = await metrics()
    const upload = holdUpload()
    await upload.write('[')
    await until(() => app.ingest.inFlight > 0, 'the held upload to be admitted')
    // A byte now and then keeps it from being idle while the other request is served.
    const stop = trickle(upload, ' '.repeat(1000))
    try {
      const other = await app.post('reports', batch(50))
      expect(other.status).toBe(200)
      expect(other.body.accepted).toBe(50)
      expect(upload.answered()).toBe(false)
    } finally {
      stop()
    }

    const refused = await upload.answer
    expect(refused.status).toBe(408)
    expect(refused.headers.connection).toBe('close')
    expect(refused.body.error).toBe(`no bytes of the body came for ${IDLE_MS / 1000} s; nothing from this request was kept, send it again`)
    await upload.closed
    await until(() => app.ingest.inFlight === 0, 'the refused upload to let its room go')
    const after = await metrics()
    expect((after.get(refusedSeries(408, 'idle')) ?? 0) - (before.get(refusedSeries(408, 'idle')) ?? 0)).toBe(1)
  })

  it('is answered 408 with a declared length too, and lets its room go', async () => {
    const upload = holdUpload({ 'content-length': String(MAX_BODY) })
    await upload.write('[')
    await until(() => app.ingest.inFlight > 0, 'the held upload to be admitted')
    expect((await upload.answer).status).toBe(408)
    await upload.closed
    await until(() => app.ingest.inFlight === 0, 'the refused upload to let its room go')
  })

  it('lets its room go when the client goes away mid-body, compressed or not', async () => {
    const plain = holdUpload()
    await plain.write(`[${' '.repeat(100_000)}`)
    await until(() => app.ingest.inFlight >= 100_000, 'the upload\'s bytes to be held')
    plain.abort()
    await until(() => app.ingest.inFlight === 0, 'the aborted upload to let its room go')

    const gz = gzipSync(JSON.stringify(batch(100)))
    const compressed = holdUpload({ 'content-encoding': 'gzip' })
    await compressed.write(gz.subarray(0, gz.length >> 1))
    await until(() => app.ingest.inFlight > 0, 'the compressed upload to be admitted')
    compressed.abort()
    await until(() => app.ingest.inFlight === 0, 'the aborted compressed upload to let its room go')
  })

  it('is refused 429 mid-body when its next bytes do not fit, closing the connection and keeping nothing', async () => {
    const first = holdUpload()
    await first.write(`[${' '.repeat(240_000)}`)
    await until(() => app.ingest.inFlight >= 240_000, 'the first upload\'s bytes to be held')
    // What it sent, in steps, not the body limit: room is left for others.
    expect(app.ingest.inFlight).toBeLessThan(MAX_INFLIGHT)
    const stop = trickle(first, ' '.repeat(1000))
    try {
      const second = holdUpload()
      await second.write('[')
      const refused = await second.answer
      expect(refused.status).toBe(429)
      expect(refused.headers['retry-after']).toMatch(/^\d+$/)
      expect(refused.headers.connection).toBe('close')
      expect(refused.body.error).toMatch(/busy.*nothing from this request was kept/)
      // It is not read any further: the server closes the connection.
      await second.closed
      expect(first.answered()).toBe(false)
    } finally {
      stop()
    }

    first.abort()
    await until(() => app.ingest.inFlight === 0, 'both uploads to let their room go')
    expect((await app.post('reports', batch(10))).body.accepted).toBe(10)
  })
})

describe('room in the bound', () => {
  it('is not taken by a body that will be refused unread: past the limit it gets 413, an unknown encoding 415, never 429', async () => {
    const first = holdUpload()
    await first.write(`[${' '.repeat(240_000)}`)
    await until(() => app.ingest.inFlight >= 240_000, 'the first upload\'s bytes to be held')
    const stop = trickle(first, ' '.repeat(1000))
    try {
      expect((await send(`[${' '.repeat(MAX_BODY)}]`)).status).toBe(413)
      expect((await send(JSON.stringify(batch(1)), { 'content-encoding': 'xz' })).status).toBe(415)
      // A body that could go in does not fit beside it.
      expect((await send(JSON.stringify(batch(1000)))).status).toBe(429)
    } finally {
      stop()
    }
    first.abort()
    await until(() => app.ingest.inFlight === 0, 'the upload to let its room go')
  })

  it('shrinks to what a body came to (a compressed one, once inflated), and is let go whole', () => {
    const admission = app.ingest.admit(MAX_BODY)
    expect(app.ingest.inFlight).toBe(MAX_BODY)
    admission.shrink(1234)
    expect([admission.bytes, app.ingest.inFlight]).toEqual([1234, 1234])
    admission.shrink(5000) // never grows by shrinking
    expect(app.ingest.inFlight).toBe(1234)
    admission.release()
    admission.release()
    expect(app.ingest.inFlight).toBe(0)
  })
})

describe('requests refused whole', () => {
  it('are counted in /metrics: a body over the limit (declared, streamed or inflated) and an unknown encoding', async () => {
    const before = await metrics()
    const big = `[${' '.repeat(MAX_BODY)}]`
    expect((await send(big)).status).toBe(413)
    const bytes = Buffer.from(big)
    const streamed = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 65_536) c.enqueue(bytes.subarray(i, i + 65_536))
        c.close()
      },
    })
    expect((await send(streamed)).status).toBe(413)
    expect((await send(gzipSync(Buffer.alloc(8 * MAX_BODY, 0x20)), { 'content-encoding': 'gzip' })).status).toBe(413)
    expect((await send(JSON.stringify(batch(1)), { 'content-encoding': 'xz' })).status).toBe(415)
    const after = await metrics()
    const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0)
    expect(delta(refusedSeries(413, 'body'))).toBe(3)
    expect(delta(refusedSeries(415, 'encoding'))).toBe(1)
    expect(app.ingest.inFlight).toBe(0)
  })
})
