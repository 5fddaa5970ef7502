/**
 * wholeDays: how the rollup reader splits a month cut at an hour into whole UTC days
 * (trends_daily) and the hours before and after them (trends_hourly), in zones east and west of
 * UTC and at a half-hour offset. The pieces must cover the range exactly, without overlap.
 */
import { describe, expect, it } from 'vitest'
import { wholeDays } from '../../server/trends/readers.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const t = (s: string) => Date.parse(s)

/**
 * Checks a split: the days are UTC days inside the range (a trends_daily row holds every hour
 * starting in its UTC day, so the whole day must be in the range); the range's other hours, read
 * from trends_hourly, are fewer than a day before them and a day after.
 */
function expectExactSplit(r: { start: number; end: number; daysFrom: number; daysTo: number }): void {
  expect(r.daysFrom % DAY === 0 || r.daysFrom === r.end).toBe(true)
  expect(r.daysTo % DAY === 0 || r.daysTo === r.end).toBe(true)
  expect(r.start <= r.daysFrom && r.daysFrom <= r.daysTo && r.daysTo <= r.end).toBe(true)
  const hourly = every(r.start, r.end).filter((h) => h < r.daysFrom || h >= r.daysTo)
  const daily = every(r.start, r.end).filter((h) => h >= r.daysFrom && h < r.daysTo)
  expect(daily.length).toBe((r.daysTo - r.daysFrom) / HOUR)
  if (r.daysTo > r.daysFrom) expect(hourly.length).toBeLessThan(48)
}
const every = (start: number, end: number) => Array.from({ length: (end - start) / HOUR }, (_, i) => start + i * HOUR)

describe('wholeDays', () => {
  const cases = [
    // Asia/Shanghai (UTC+8): October from its local start to the 25th at 12:00 local.
    { label: 'whole days with hours either side', start: t('2026-09-30T16:00:00Z'), end: t('2026-10-25T04:00:00Z'), days: [t('2026-10-01T00:00:00Z'), t('2026-10-25T00:00:00Z')] },
    { label: 'two hours: no UTC midnight', start: t('2026-09-30T16:00:00Z'), end: t('2026-09-30T18:00:00Z'), days: undefined },
    { label: 'across one UTC midnight, no whole day', start: t('2026-09-30T16:00:00Z'), end: t('2026-10-01T02:00:00Z'), days: undefined },
    { label: 'ending at a UTC midnight', start: t('2026-09-30T16:00:00Z'), end: t('2026-10-02T00:00:00Z'), days: [t('2026-10-01T00:00:00Z'), t('2026-10-02T00:00:00Z')] },
    // America/New_York (UTC-4 in October) and Asia/Kolkata (UTC+5:30): local hours start off UTC's.
    { label: 'west of UTC', start: t('2026-10-01T04:00:00Z'), end: t('2026-10-09T13:00:00Z'), days: [t('2026-10-02T00:00:00Z'), t('2026-10-09T00:00:00Z')] },
    { label: 'a half-hour offset', start: t('2026-09-30T18:30:00Z'), end: t('2026-10-03T06:30:00Z'), days: [t('2026-10-01T00:00:00Z'), t('2026-10-03T00:00:00Z')] },
  ]
  for (const c of cases) {
    it(`covers the range exactly: ${c.label}`, () => {
      const r = wholeDays({ start: c.start, end: c.end })
      if (c.days) expect([r.daysFrom, r.daysTo]).toEqual(c.days)
      else expect([r.daysFrom, r.daysTo]).toEqual([c.end, c.end])
      expectExactSplit(r)
    })
  }

  it('reads nothing for an empty range', () => {
    expect(wholeDays({ start: 0, end: 0 })).toEqual({ start: 0, end: 0, daysFrom: 0, daysTo: 0 })
  })
})
