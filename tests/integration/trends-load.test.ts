/**
 * The monthly review's reader keeps its load bounded, on the real store: two reports read at
 * once, four more wait, the next is refused (503 upstream) instead of queueing without end, and
 * the same report asked again within half a minute is the read already made. The slots are
 * taken when a report is asked for, before any query runs, so the counts do not depend on how
 * fast the store answers.
 * Fixture: GridPulse with the demo registry and no events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { slaTable } from '../../server/sla.ts'
import { TrendsBusyError, trendsSource } from '../../server/trends/report.ts'

let app: TestApp

beforeAll(async () => {
  app = await startTestApp()
})

afterAll(async () => {
  await app?.stopAndClean()
})

describe('the trends reader under load', () => {
  it('reads two at once, lets four wait, refuses the seventh, and answers a repeat from the first read', async () => {
    const src = trendsSource({ reader: app.store.reports, registry: app.registry, sla: () => slaTable(), tz: 'Asia/Shanghai', now: app.now })
    const to = src.currentMonth()
    const [y, m] = to.split('-').map(Number) as [number, number]
    const months = Array.from({ length: 6 }, (_, i) => `${y - 1}-${String(((m + i) % 12) + 1).padStart(2, '0')}`)
    const asked = months.map((month) => src.report('street:qingbaijiang.dawan', month, month))
    await expect(src.report('street:qingbaijiang.dawan', to, to)).rejects.toBeInstanceOf(TrendsBusyError)
    // The same report again: the read under way, not a new one, and not refused.
    expect(src.report('street:qingbaijiang.dawan', months[0]!, months[0]!)).toBe(asked[0])
    // Every one that waited is answered, each for its own month.
    const reports = await Promise.all(asked)
    expect(reports.map((r) => r.to)).toEqual(months)
    // With the queue empty again, the one refused is answered.
    expect((await src.report('street:qingbaijiang.dawan', to, to)).to).toBe(to)
  })
})
