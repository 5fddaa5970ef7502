/**
 * `chTime` formats instants for DateTime64(3, 'UTC') by integer arithmetic (ingest formats every
 * event with it); it must agree with Date#toISOString everywhere the store takes dates.
 * Fixture: fixed edge instants and 100,000 seeded random instants from 1970 to 9999.
 */
import { describe, expect, it } from 'vitest'
import { chTime, parseChTime } from '../../sql/queries.ts'
import { seeded } from '../support/random.ts'

const viaIso = (ms: number) => {
  const iso = new Date(ms).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`
}

describe('chTime', () => {
  it('formats edge instants like toISOString: epoch, leap days, century rules, year ends, the last millisecond', () => {
    for (const s of ['1970-01-01T00:00:00.000Z', '2000-02-29T23:59:59.999Z', '2100-03-01T00:00:00.000Z', '2024-12-31T23:59:59.999Z', '2026-11-24T09:30:00.007Z', '9999-12-31T23:59:59.999Z', '1900-02-28T12:00:00.050Z']) {
      const ms = Date.parse(s)
      expect(chTime(ms)).toBe(viaIso(ms))
      expect(parseChTime(chTime(ms))).toBe(ms)
    }
  })

  it('agrees with toISOString on 100,000 random instants', () => {
    const rand = seeded(7)
    for (let i = 0; i < 100_000; i++) {
      const ms = Math.floor(rand() * 253_402_300_799_999)
      if (chTime(ms) !== viaIso(ms)) throw new Error(`${ms}: ${chTime(ms)} ≠ ${viaIso(ms)}`)
    }
  })
})
