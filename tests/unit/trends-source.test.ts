/**
 * The monthly review's reader keeps its load bounded: two reports read at once, four more wait,
 * the next is refused (503 upstream) instead of queueing without end; the same report asked
 * again within half a minute is answered from the first read. The store here is a stand-in
 * whose queries never finish, so the counts are exact whatever the machine's speed.
 */
import { describe, expect, it } from 'vitest'
import type { ClickHouseClient } from '@clickhouse/client'
import { Registry } from '../../ingest/registry/registry.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { loadConfig } from '../../server/config.ts'
import { slaTable } from '../../server/sla.ts'
import { TrendsBusyError, trendsSource } from '../../server/trends/report.ts'

const registry = new Registry(demoRegistry(loadConfig({}, {}).demoSeed))

describe('the trends reader under load', () => {
  it('reads two at once, lets four wait, refuses the seventh, and answers a repeat from the first read', async () => {
    let queries = 0
    const reader = { query: () => ((queries++, new Promise(() => undefined)) as never) } as unknown as ClickHouseClient
    const src = trendsSource({ reader, registry: () => registry, sla: () => slaTable(), tz: 'Asia/Shanghai', now: () => Date.parse('2026-11-20T04:00:00Z') })
    const months = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']
    const pending = months.map((m) => src.report('city', m, m))
    pending.forEach((p) => p.catch(() => undefined))
    await new Promise((r) => setTimeout(r, 20))
    // Two reads started (each has issued its first query); four wait without touching the store.
    expect(queries).toBe(2)
    await expect(src.report('city', '2026-07', '2026-07')).rejects.toBeInstanceOf(TrendsBusyError)
    // The same report again: the read already under way, not a new one (and not refused).
    expect(src.report('city', '2026-01', '2026-01')).toBe(pending[0])
  })
})
