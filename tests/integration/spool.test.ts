/**
 * Behaviour of the ingest write-ahead spool (ingest/spool/spool.ts) on real files.
 *
 * Fixtures: every test gets its own fresh directory under os.tmpdir() (`gridpulse-spool-*`),
 * removed afterwards with every spool the test opened closed first. Payloads are lines of
 * text; `row(i)` is one 40-byte line, so a frame holding one of them is 72 bytes on disk
 * (32-byte header + payload). With `segmentBytes: 100` a segment takes two such frames before
 * the next append rolls to a new file. "Crashes" are simulated by closing the spool and then
 * editing its segment files the way a torn write or bad disk would leave them. No mocks:
 * the spool writes, fsyncs and re-reads real files; `now` is injected where times matter.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encodeHeader, HEADER_BYTES } from '../../ingest/spool/frame.ts'
import { Spool, SpoolFullError, type SpoolBatch, type SpoolOptions } from '../../ingest/spool/spool.ts'

/** One row: exactly 40 bytes, newline included, numbered so order is visible. */
const row = (i: number) => Buffer.from(`row ${String(i).padStart(6, '0')} ${'x'.repeat(28)}\n`)
const FRAME_BYTES = HEADER_BYTES + row(0).length // 72

let dir: string
let opened: Spool[]
let warnings: Array<{ msg: string; fields: Record<string, unknown> }>

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-spool-'))
  opened = []
  warnings = []
})

afterEach(async () => {
  for (const s of opened) await s.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

async function open(opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  const s = await Spool.open({ dir, maxBytes: 1 << 20, warn: (msg, fields) => warnings.push({ msg, fields }), ...opts })
  opened.push(s)
  return s
}

/** Closes `s` (as at shutdown or a crash after the last fsync) and opens the same dir again. */
async function reopen(s: Spool, opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  await s.close()
  return open(opts)
}

/** Appends rows `from..to` one at a time, each awaited, so each lands in a frame of its own. */
async function appendEach(s: Spool, from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) await s.append(row(i), 1)
}

const text = (b: SpoolBatch | undefined) => Buffer.concat(b?.payloads ?? []).toString('utf8')
const rowsText = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => row(from + k).toString('utf8')).join('')
const walFiles = () => fs.readdirSync(dir).filter((n) => /^\d{10}\.wal$/.test(n)).sort()

/** Reads every batch out of the spool (maxRows at a time), committing each, until none waits. */
async function drain(s: Spool, maxRows = 1000): Promise<string> {
  let out = ''
  for (;;) {
    const b = await s.next(maxRows)
    if (!b) return out
    await s.begin(b)
    await s.commit(b)
    out += text(b)
  }
}

describe('appending and reading back', () => {
  it('reads appended frames back in order with their rows and payloads', async () => {
    const s = await open()
    await s.append(Buffer.concat([row(1), row(2)]), 2)
    await s.append(row(3), 1)
    await s.append(Buffer.concat([row(4), row(5), row(6)]), 3)

    expect(s.pendingFrames).toBe(3)
    expect(s.pendingRows).toBe(6)
    expect(s.pendingBytes).toBe(3 * HEADER_BYTES + 6 * row(0).length)

    const b = (await s.next(1000))!
    expect(b.first).toBe(1)
    expect(b.last).toBe(3)
    expect(b.rows).toBe(6)
    expect(b.bytes).toBe(6 * row(0).length)
    expect(b.payloads.map((p) => p.toString('utf8'))).toEqual([rowsText(1, 2), rowsText(3, 3), rowsText(4, 6)])
    // Reading does not consume: the same frames come back until they are committed.
    expect(await s.next(1000)).toEqual(b)
  })

  it('has the frame on disk by the time append resolves', async () => {
    const s = await open()
    await s.append(row(1), 1)
    // Read the file directly, without the spool: the frame is already there in full.
    const files = walFiles()
    expect(files).toHaveLength(1)
    const data = fs.readFileSync(path.join(dir, files[0]!))
    expect(data.length).toBe(FRAME_BYTES)
    expect(data.subarray(HEADER_BYTES).toString('utf8')).toBe(rowsText(1, 1))
    expect(s.stats.fsyncs).toBe(1)
  })

  it('groups whole frames up to maxRows, but always returns at least one frame', async () => {
    const s = await open()
    await s.append(Buffer.concat([row(1), row(2)]), 2)
    await s.append(Buffer.concat([row(3), row(4)]), 2)
    await s.append(Buffer.concat([row(5), row(6), row(7), row(8), row(9)]), 5)

    const two = (await s.next(4))!
    expect([two.first, two.last, two.rows]).toEqual([1, 2, 4])
    const one = (await s.next(3))!
    expect([one.first, one.last, one.rows]).toEqual([1, 1, 2])
    // A frame bigger than maxRows on its own still comes out whole.
    await s.begin(two)
    await s.commit(two)
    const big = (await s.next(1))!
    expect([big.first, big.last, big.rows]).toEqual([3, 3, 5])
    expect(text(big)).toBe(rowsText(5, 9))
  })

  it('returns nothing from an empty spool', async () => {
    const s = await open()
    expect(await s.next(100)).toBeUndefined()
    expect(s.pendingFrames).toBe(0)
    expect(s.oldestAgeMs()).toBe(0)
  })

  it('lists every pending payload oldest first', async () => {
    const s = await open()
    await appendEach(s, 1, 3)
    const out: string[] = []
    for await (const p of s.pendingPayloads()) out.push(p.toString('utf8'))
    expect(out).toEqual([rowsText(1, 1), rowsText(2, 2), rowsText(3, 3)])
  })

  it('wakes a waiting reader once a frame is durable', async () => {
    const s = await open()
    const waiting = s.waitForFrames()
    await s.append(row(1), 1)
    await waiting
    expect(s.pendingFrames).toBe(1)
    // With frames already waiting it resolves at once.
    await s.waitForFrames()
  })
})

describe('group commit', () => {
  it('coalesces appends queued during one write into one frame and resolves every one', async () => {
    const s = await open()
    const n = 200
    // The first append starts a write; the other 199 queue while it is in progress.
    const all = Array.from({ length: n }, (_, i) => s.append(row(i + 1), 1))
    await Promise.all(all)

    expect(s.stats.fsyncs).toBeLessThanOrEqual(2)
    expect(s.stats.framesWritten).toBe(s.stats.fsyncs)
    expect(s.pendingRows).toBe(n)
    const b = (await s.next(10_000))!
    expect(b.rows).toBe(n)
    // Every row is there, once, in the order it was appended.
    expect(text(b)).toBe(rowsText(1, n))
  })

  it('forgets every byte of coalesced appends once they are committed', async () => {
    const s = await open()
    await Promise.all(Array.from({ length: 10 }, (_, i) => s.append(row(i + 1), 1)))
    expect(s.stats.framesWritten).toBeLessThan(10)
    const b = (await s.next(1000))!
    await s.begin(b)
    await s.commit(b)
    expect(s.pendingFrames).toBe(0)
    expect(s.pendingRows).toBe(0)
    // Nothing waits for the store, so nothing may count against the bound.
    expect(s.pendingBytes).toBe(0)
  })

  it('accepts a full bound of concurrent appends again after each round is committed', async () => {
    // Room for five one-row appends at once (5 × 72 = 360 bytes), no more.
    const s = await open({ maxBytes: 5 * FRAME_BYTES })
    for (let round = 0; round < 3; round++) {
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => s.append(row(round * 5 + i + 1), 1)))
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled'])
      const b = (await s.next(1000))!
      await s.begin(b)
      await s.commit(b)
      expect(s.pendingFrames).toBe(0)
    }
  })
})

describe('begin and commit', () => {
  it('drops committed frames from the pending counts', async () => {
    const s = await open()
    await appendEach(s, 1, 5)
    const b = (await s.next(3))!
    expect([b.first, b.last]).toEqual([1, 3])
    await s.begin(b)
    await s.commit(b)
    expect(s.pendingFrames).toBe(2)
    expect(s.pendingRows).toBe(2)
    expect(s.pendingBytes).toBe(2 * FRAME_BYTES)
    const rest = (await s.next(100))!
    expect([rest.first, rest.last]).toEqual([4, 5])
    expect(text(rest)).toBe(rowsText(4, 5))
  })

  it('does not return committed frames after a restart', async () => {
    let s = await open()
    await appendEach(s, 1, 4)
    const b = (await s.next(2))!
    await s.begin(b)
    await s.commit(b)

    s = await reopen(s)
    expect(s.pendingFrames).toBe(2)
    expect(s.pendingRows).toBe(2)
    const rest = (await s.next(100))!
    expect([rest.first, rest.last]).toEqual([3, 4])
    expect(text(rest)).toBe(rowsText(3, 4))
  })

  it('returns every uncommitted frame after a restart', async () => {
    let s = await open()
    await appendEach(s, 1, 4)
    s = await reopen(s)
    expect(s.pendingFrames).toBe(4)
    expect(s.pendingRows).toBe(4)
    expect(s.pendingBytes).toBe(4 * FRAME_BYTES)
    const all = (await s.next(100))!
    expect([all.first, all.last]).toEqual([1, 4])
    expect(text(all)).toBe(rowsText(1, 4))
  })

  it('continues the sequence after a restart, with new frames read after the old ones', async () => {
    let s = await open()
    await appendEach(s, 1, 3)
    const b = (await s.next(1))!
    await s.begin(b)
    await s.commit(b)
    s = await reopen(s)
    await appendEach(s, 4, 5)
    const all = (await s.next(100))!
    expect([all.first, all.last]).toEqual([2, 5])
    expect(text(all)).toBe(rowsText(2, 5))
  })

  it('after a crash between begin and commit, replays exactly the intended range, not more', async () => {
    let s = await open()
    await appendEach(s, 1, 3)
    const batch = (await s.next(2))!
    expect([batch.first, batch.last]).toEqual([1, 2])
    await s.begin(batch)
    // More arrives while the insert is under way; then the process dies before commit.
    await appendEach(s, 4, 6)

    s = await reopen(s)
    // Whatever maxRows is, the first batch is the intent's range, so its token matches.
    const again = (await s.next(1000))!
    expect([again.first, again.last, again.rows, again.bytes]).toEqual([batch.first, batch.last, batch.rows, batch.bytes])
    expect(text(again)).toBe(text(batch))
    expect((await s.next(1))!.last).toBe(batch.last)

    await s.begin(again)
    await s.commit(again)
    const rest = (await s.next(1000))!
    expect([rest.first, rest.last]).toEqual([3, 6])
    expect(text(rest)).toBe(rowsText(3, 6))
  })

  it('refuses to open on an unreadable checkpoint rather than guess', async () => {
    const s = await open()
    await appendEach(s, 1, 1)
    await s.close()
    fs.writeFileSync(path.join(dir, 'checkpoint.json'), '{"next": 1, "inte')
    await expect(Spool.open({ dir, maxBytes: 1 << 20 })).rejects.toThrow(/checkpoint .* unreadable/)
  })
})

describe('recovery', () => {
  it.each([
    ['garbage bytes', (_next: number) => Buffer.from('\x00\xffnot a frame at all, just what the disk held')],
    ['a few bytes of a header', (_next: number) => encodeHeader({ seq: _next, rows: 1, length: row(0).length, appendedAt: 1 }, [row(0)]).subarray(0, 11)],
    [
      'a frame cut short mid-payload',
      (next: number) => Buffer.concat([encodeHeader({ seq: next, rows: 1, length: row(0).length, appendedAt: 1 }, [row(99)]), row(99).subarray(0, 17)]),
    ],
  ])('cuts a torn tail (%s) left by a crash and keeps every whole frame', async (_what, tail) => {
    let s = await open()
    await appendEach(s, 1, 3)
    await s.close()
    const files = walFiles()
    expect(files).toHaveLength(1)
    const last = path.join(dir, files[0]!)
    const goodSize = fs.statSync(last).size
    fs.appendFileSync(last, tail(4))

    s = await open()
    expect(fs.statSync(last).size).toBe(goodSize)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.msg).toMatch(/torn tail/)
    expect(warnings[0]!.fields).toMatchObject({ file: last, offset: goodSize })
    expect(s.pendingFrames).toBe(3)
    expect(s.pendingRows).toBe(3)

    // Appends after the restart work and come after the old frames.
    await appendEach(s, 4, 5)
    const all = (await s.next(1000))!
    expect([all.first, all.last]).toEqual([1, 5])
    expect(text(all)).toBe(rowsText(1, 5))

    // And all of it survives another restart, with no further warning.
    s = await reopen(s)
    expect(text(await s.next(1000))).toBe(rowsText(1, 5))
    expect(warnings).toHaveLength(1)
  })

  it('keeps the frames before damage inside the log, sets the damaged bytes aside, and replays the later segments', async () => {
    let s = await open({ segmentBytes: 100 })
    await appendEach(s, 1, 6)
    await s.close()
    const files = walFiles()
    expect(files).toHaveLength(3) // frames 1-2, 3-4, 5-6
    const first = path.join(dir, files[0]!)
    // Flip one byte in the payload of the second frame of the first segment.
    const data = fs.readFileSync(first)
    const at = FRAME_BYTES + HEADER_BYTES + 5
    data[at] = data[at]! ^ 0xff
    fs.writeFileSync(first, data)
    const damaged = Buffer.from(data.subarray(FRAME_BYTES))

    s = await open({ segmentBytes: 100 })
    const aside = `${first}.damaged-at-${FRAME_BYTES}`
    expect(fs.existsSync(aside)).toBe(true)
    expect(fs.readFileSync(aside).equals(damaged)).toBe(true)
    expect(fs.statSync(first).size).toBe(FRAME_BYTES)
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/damaged/)])
    expect(warnings[0]!.fields).toMatchObject({ file: first, offset: FRAME_BYTES })

    // Frame 1 (before the damage) and frames 3-6 (later segments) are replayed; frame 2 is aside.
    expect(s.pendingFrames).toBe(5)
    const all = (await s.next(1000))!
    expect(all.payloads.map((p) => p.toString('utf8'))).toEqual([1, 3, 4, 5, 6].map((i) => rowsText(i, i)))
    // The later segments are left whole on disk.
    expect(fs.statSync(path.join(dir, files[1]!)).size).toBe(2 * FRAME_BYTES)
    expect(fs.statSync(path.join(dir, files[2]!)).size).toBe(2 * FRAME_BYTES)
  })

  it('replays the later segments when the very first frame of the log is damaged', async () => {
    let s = await open({ segmentBytes: 100 })
    await appendEach(s, 1, 6)
    await s.close()
    const files = walFiles()
    const first = path.join(dir, files[0]!)
    const data = fs.readFileSync(first)
    data[HEADER_BYTES + 3] = data[HEADER_BYTES + 3]! ^ 0x01
    fs.writeFileSync(first, data)

    s = await open({ segmentBytes: 100 })
    expect(fs.existsSync(`${first}.damaged-at-0`)).toBe(true)
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/damaged/)])
    const all = (await s.next(1000))!
    expect([all.first, all.last]).toEqual([3, 6])
    expect(text(all)).toBe(rowsText(3, 6))
  })
})

describe('segments', () => {
  it('rolls to new segment files as they fill, and deletes the ones a commit has passed', async () => {
    const s = await open({ segmentBytes: 100 })
    await appendEach(s, 1, 6)
    expect(walFiles()).toEqual(['0000000001.wal', '0000000002.wal', '0000000003.wal'])

    const b = (await s.next(4))!
    expect([b.first, b.last]).toEqual([1, 4])
    expect(text(b)).toBe(rowsText(1, 4))
    await s.begin(b)
    await s.commit(b)
    // Frames 5-6 live in the third segment: the first two are no longer needed.
    expect(walFiles()).toEqual(['0000000003.wal'])
    const rest = (await s.next(100))!
    expect(text(rest)).toBe(rowsText(5, 6))
  })

  it('keeps a segment while any of its frames waits', async () => {
    const s = await open({ segmentBytes: 100 })
    await appendEach(s, 1, 4)
    const b = (await s.next(1))!
    await s.begin(b)
    await s.commit(b)
    // Frame 2 is still in the first segment.
    expect(walFiles()).toEqual(['0000000001.wal', '0000000002.wal'])
  })

  it('never appends to an old segment after a restart, and reads across all of them', async () => {
    let s = await open({ segmentBytes: 1 << 20 })
    await appendEach(s, 1, 2)
    s = await reopen(s, { segmentBytes: 1 << 20 })
    await appendEach(s, 3, 4)
    expect(walFiles()).toEqual(['0000000001.wal', '0000000002.wal'])
    expect(fs.statSync(path.join(dir, '0000000001.wal')).size).toBe(2 * FRAME_BYTES)
    expect(text(await s.next(100))).toBe(rowsText(1, 4))
  })

  it('after a restart, deletes segments whose frames were all committed', async () => {
    let s = await open({ segmentBytes: 100 })
    await appendEach(s, 1, 6)
    const b = (await s.next(4))!
    await s.begin(b)
    await s.commit(b)
    s = await reopen(s, { segmentBytes: 100 })
    expect(walFiles()).toEqual(['0000000003.wal'])
    expect(await drain(s)).toBe(rowsText(5, 6))
  })
})

describe('the bound', () => {
  it('refuses an append past maxBytes while something waits, writing nothing, and accepts again after commit', async () => {
    // Room for two one-row frames, not three.
    const s = await open({ maxBytes: 2 * FRAME_BYTES + 10 })
    await appendEach(s, 1, 2)
    const written = s.stats.framesWritten

    const refused = s.append(row(3), 1)
    await expect(refused).rejects.toBeInstanceOf(SpoolFullError)
    await expect(refused).rejects.toMatchObject({ pendingBytes: 2 * FRAME_BYTES })
    expect(s.stats.framesWritten).toBe(written)
    expect(s.pendingRows).toBe(2)
    expect(s.pendingBytes).toBe(2 * FRAME_BYTES)

    const b = (await s.next(100))!
    await s.begin(b)
    await s.commit(b)
    await s.append(row(3), 1)
    const after = (await s.next(100))!
    expect(text(after)).toBe(rowsText(3, 3))
  })

  it('accepts one append bigger than the bound when nothing waits', async () => {
    const s = await open({ maxBytes: 50 })
    await s.append(Buffer.concat([row(1), row(2)]), 2)
    expect(s.pendingFrames).toBe(1)
    await expect(s.append(row(3), 1)).rejects.toBeInstanceOf(SpoolFullError)
  })
})

describe('age', () => {
  it('measures the oldest waiting frame with the injected clock, across a restart', async () => {
    let now = 1_000_000
    const clock = () => now
    let s = await open({ now: clock })
    await s.append(row(1), 1)
    now += 500
    await s.append(row(2), 1)
    now += 250
    expect(s.oldestAgeMs()).toBe(750)
    const b = (await s.next(1))!
    expect(b.appendedAt).toBe(1_000_000)

    await s.begin(b)
    await s.commit(b)
    expect(s.oldestAgeMs()).toBe(250)

    // The append time is in the frame, so a restart knows how long it has waited.
    s = await reopen(s, { now: clock })
    now += 3_000
    expect(s.oldestAgeMs()).toBe(3_250)
    expect((await s.next(1))!.appendedAt).toBe(1_000_500)

    // A clock that went backwards does not make a negative age.
    now = 0
    expect(s.oldestAgeMs()).toBe(0)
  })
})
