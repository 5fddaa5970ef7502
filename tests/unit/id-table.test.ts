/**
 * The ingest's id tables (ingest/id-table.ts, dedupe.ts): exact answers whatever the hashes (ids
 * forced onto one hash are still told apart), growth as ids come, the capacity bound, the two
 * generations of the resend memory, and a request's index of rows by id.
 * Fixture: generated ids `E-<n>`.
 */
import { describe, expect, it } from 'vitest'
import { execFileSync } from 'node:child_process'
import { addRow, findRow, IdTable, idHash, idHashWith, newRowIndex } from '../../ingest/id-table.ts'
import { fnv1a } from '../../ingest/rows.ts'
import { idsCollidingUnseeded } from '../support/crafted-ids.ts'
import { RecentIds } from '../../ingest/dedupe.ts'

describe('the id tables', () => {
  it('answers for every id set as it grows, and nothing for an id never set', () => {
    const t = new IdTable(100_000)
    for (let i = 0; i < 100_000; i++) expect(t.set(`E-${i}`, i * 7)).toBe(true)
    expect(t.size).toBe(100_000)
    for (let i = 0; i < 100_000; i += 97) expect(t.get(`E-${i}`)).toBe(i * 7)
    expect(t.get('E-100000')).toBeUndefined()
    expect(t.set('E-5', 1)).toBe(true)
    expect(t.get('E-5')).toBe(1)
    expect(t.size).toBe(100_000)
  })

  it('tells ids apart that share a hash, and refuses a new id past its capacity', () => {
    const t = new IdTable(3)
    for (const id of ['a', 'b', 'c']) expect(t.set(id, id.charCodeAt(0), 42)).toBe(true)
    expect([t.get('a', 42), t.get('b', 42), t.get('c', 42), t.get('d', 42)]).toEqual([97, 98, 99, undefined])
    expect(t.set('d', 1, 42)).toBe(false)
    expect(t.set('a', 5, 42)).toBe(true)
    expect(t.get('a', 42)).toBe(5)
    expect(idHash('')).not.toBe(0)
  })

  it('spreads ids made to share the low bits of an unseeded hash (a sender cannot pick their slots)', () => {
    const crafted = idsCollidingUnseeded(2_000, 20)
    expect(new Set(crafted.map((id) => fnv1a(id) & 0xfffff)).size).toBe(1)
    // Thrown uniformly into 65,536 slots, 2,000 ids share ~30; a hash the sender controls, 1,999.
    const slots = new Set(crafted.map((id) => idHash(id) & 0xffff))
    expect(slots.size).toBeGreaterThan(1_900)
    const t = new IdTable(crafted.length)
    crafted.forEach((id, i) => t.set(id, i))
    expect(crafted.every((id, i) => t.get(id) === i)).toBe(true)
    // Slots depend on the seed: ids that share a slot under one seed are apart under another.
    const [a, b] = [crafted.map((id) => idHashWith(1, id) & 0xffff), crafted.map((id) => idHashWith(2, id) & 0xffff)]
    expect(a.filter((slot, i) => slot === b[i]).length).toBeLessThan(10)
  })

  it('draws its seed afresh in each process', () => {
    const seedOf = () => Number(execFileSync(process.execPath, ['--import', 'tsx', '-e', "import('./ingest/id-table.ts').then((m) => console.log(m.ID_SEED))"], { encoding: 'utf8' }).trim())
    const [a, b] = [seedOf(), seedOf()]
    expect(Number.isInteger(a) && Number.isInteger(b)).toBe(true)
    expect(a).not.toBe(b)
  })

  it('remembers the newest ids across its two generations and forgets the oldest', () => {
    const r = new RecentIds(1000)
    for (let i = 0; i < 2_600; i++) r.set(`E-${i}`, i)
    // Generations of 500: the young one holds 2,500–2,599, the old one 2,000–2,499.
    for (let i = 2_000; i < 2_600; i++) expect(r.get(`E-${i}`)).toBe(i)
    for (let i = 0; i < 2_000; i += 13) expect(r.get(`E-${i}`)).toBeUndefined()
  })

  it('indexes a request’s rows by id, the first row of each', () => {
    const ids: string[] = []
    let index = newRowIndex(4)
    for (const id of ['x', 'y', 'x', 'z', 'y']) {
      const row = addRow(index, ids, id, idHash(id), ids.length)
      if (row === ids.length) ids.push(id)
      if (ids.length * 2 > index.keys.length) {
        const next = newRowIndex(ids.length * 2)
        ids.forEach((v, i) => addRow(next, ids, v, idHash(v), i))
        index = next
      }
    }
    expect(ids).toEqual(['x', 'y', 'z'])
    expect(['x', 'y', 'z', 'w'].map((id) => findRow(index, ids, id, idHash(id)))).toEqual([0, 1, 2, -1])
  })
})
