import { describe, expect, it } from 'vitest'
import { Batcher, BatcherFullError } from '../../ingest/batcher.ts'

/** A store stand-in we control: each write waits until the test releases it. */
function controlledWriter() {
  const writes: number[][] = []
  const releases: Array<(err?: Error) => void> = []
  let concurrent = 0
  let maxConcurrent = 0
  const write = (rows: number[]) =>
    new Promise<void>((resolve, reject) => {
      writes.push(rows)
      concurrent++
      maxConcurrent = Math.max(maxConcurrent, concurrent)
      releases.push((err) => {
        concurrent--
        if (err) reject(err)
        else resolve()
      })
    })
  return { write, writes, releases, max: () => maxConcurrent }
}

const tick = () => new Promise((r) => setTimeout(r, 5))

describe('group commit', () => {
  it('acknowledges a caller only after the write holding its rows finished', async () => {
    const w = controlledWriter()
    const b = new Batcher(w.write, { flushRows: 3, flushMs: 10_000 })
    let acked = false
    const p = b.add([1, 2, 3]).then(() => (acked = true))
    await tick()
    expect(w.writes).toEqual([[1, 2, 3]])
    expect(acked).toBe(false)
    w.releases[0]!()
    await p
    expect(acked).toBe(true)
  })

  it('joins rows of several callers into one write and runs one write at a time', async () => {
    const w = controlledWriter()
    const b = new Batcher(w.write, { flushRows: 2, flushMs: 10_000 })
    const p1 = b.add([1, 2])
    await tick()
    const p2 = b.add([3])
    const p3 = b.add([4])
    await tick()
    expect(w.writes).toEqual([[1, 2]])
    w.releases[0]!()
    await p1
    await tick()
    expect(w.writes).toEqual([[1, 2], [3, 4]])
    w.releases[1]!()
    await Promise.all([p2, p3])
    expect(w.max()).toBe(1)
  })

  it('flushes a small batch after flushMs', async () => {
    const w = controlledWriter()
    const b = new Batcher(w.write, { flushRows: 1000, flushMs: 20 })
    const p = b.add([7])
    expect(w.writes).toEqual([])
    await new Promise((r) => setTimeout(r, 60))
    expect(w.writes).toEqual([[7]])
    w.releases[0]!()
    await p
  })

  it('rejects every caller of a failed write, and later writes still work', async () => {
    const w = controlledWriter()
    const b = new Batcher(w.write, { flushRows: 2, flushMs: 10_000 })
    const p = b.add([1, 2])
    await tick()
    w.releases[0]!(new Error('store down'))
    await expect(p).rejects.toThrow('store down')
    const q = b.add([3, 4])
    await tick()
    w.releases[1]!()
    await expect(q).resolves.toBeUndefined()
  })

  it('retries each caller on its own when a joint write fails, so one bad caller fails alone', async () => {
    const w = controlledWriter()
    const b = new Batcher(w.write, { flushRows: 3, flushMs: 10_000 })
    const good = b.add([1])
    const bad = b.add([2, 3])
    await tick()
    expect(w.writes).toEqual([[1, 2, 3]])
    w.releases[0]!(new Error('too many partitions'))
    await tick()
    expect(w.writes[1]).toEqual([1])
    w.releases[1]!()
    await tick()
    expect(w.writes[2]).toEqual([2, 3])
    w.releases[2]!(new Error('too many partitions'))
    await expect(good).resolves.toBeUndefined()
    await expect(bad).rejects.toThrow('too many partitions')
  })

  it('drain writes what is pending and waits for it', async () => {
    const written: number[][] = []
    const b = new Batcher(async (rows: number[]) => void written.push(rows), { flushRows: 100, flushMs: 60_000 })
    const p = b.add([1, 2])
    await b.drain()
    await p
    expect(written).toEqual([[1, 2]])
  })

  it('refuses new rows at once when the queue is full, and takes them again once it drains', async () => {
    const w = controlledWriter()
    const b = new Batcher(w.write, { flushRows: 2, flushMs: 20, maxPendingRows: 3 })
    const first = b.add([1, 2])
    await tick()
    const second = b.add([3])
    await expect(b.add([4])).rejects.toThrow(BatcherFullError)
    w.releases[0]!()
    await first
    await new Promise((r) => setTimeout(r, 60))
    expect(w.writes[1]).toEqual([3])
    w.releases[1]!()
    await second
    const third = b.add([5, 6])
    await tick()
    w.releases[2]!()
    await expect(third).resolves.toBeUndefined()
  })
})
