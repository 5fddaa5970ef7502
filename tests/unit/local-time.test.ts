import { describe, expect, it } from 'vitest'
import { localDay, localDayStart, localParts } from '../../server/live/localTime.ts'

describe('local calendar days', () => {
  it('starts the Shanghai day at 16:00 UTC the evening before', () => {
    const t = Date.parse('2026-11-23T02:00:00Z') // 10:00 in Shanghai
    expect(new Date(localDayStart(t, 'Asia/Shanghai')).toISOString()).toBe('2026-11-22T16:00:00.000Z')
    expect(localDay(t, 'Asia/Shanghai')).toBe('2026-11-23')
  })

  it('rolls over at local midnight, not UTC midnight', () => {
    const before = Date.parse('2026-11-23T15:59:59Z')
    const after = Date.parse('2026-11-23T16:00:00Z')
    expect(localDay(before, 'Asia/Shanghai')).toBe('2026-11-23')
    expect(localDay(after, 'Asia/Shanghai')).toBe('2026-11-24')
    expect(localParts(after, 'Asia/Shanghai').h).toBe(0)
  })

  it('handles a daylight-saving zone on the day clocks change', () => {
    // Berlin springs forward on 2026-03-29: the day starts at 23:00 UTC the day before (+01:00).
    const noon = Date.parse('2026-03-29T10:00:00Z')
    expect(new Date(localDayStart(noon, 'Europe/Berlin')).toISOString()).toBe('2026-03-28T23:00:00.000Z')
    const summer = Date.parse('2026-07-01T10:00:00Z')
    expect(new Date(localDayStart(summer, 'Europe/Berlin')).toISOString()).toBe('2026-06-30T22:00:00.000Z')
  })
})
