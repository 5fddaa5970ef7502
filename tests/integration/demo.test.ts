/**
 * Demo mode end to end: the simulator backfills history through the real HTTP ingest routes
 * (every row valid), the wall's figures come from it, and a restart on the same data dir fills
 * the gap without counting anything twice.
 * Fixture: GRIDPULSE_DEMO=1 with one month of history (GRIDPULSE_DEMO_MONTHS=1) in a temp dir.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../server/config.ts'
import { startGridPulse, type GridPulse } from '../../server/gridpulse.ts'
import { createLogger } from '../../server/log.ts'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-demo-'))
const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: '1', GRIDPULSE_DEMO_MONTHS: '1', LIVE_TICK_MS: '100' }, {})
let gp: GridPulse | undefined

afterAll(async () => {
  await gp?.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

interface Counts {
  reports: number
  report_events: number
  visits: number
  without_reported: number
}

async function counts(g: GridPulse): Promise<Counts> {
  const rs = await g.store.reader.query({
    query: `SELECT
      (SELECT uniqExact(report_id) FROM report_state) AS reports,
      (SELECT count() FROM report_events FINAL) AS report_events,
      (SELECT count() FROM visit_events FINAL) AS visits,
      (SELECT countIf(reported_at IS NULL) FROM (SELECT report_id, min(reported_at) AS reported_at FROM report_state GROUP BY report_id)) AS without_reported`,
    format: 'JSONEachRow',
  })
  const [row] = await rs.json<Record<keyof Counts, string | number>>()
  return { reports: Number(row!.reports), report_events: Number(row!.report_events), visits: Number(row!.visits), without_reported: Number(row!.without_reported) }
}

describe('demo mode', () => {
  it('backfills a month through the ingest routes with every row accepted', async () => {
    gp = await startGridPulse(config, createLogger('test', true))
    await gp.demo!.backfilled
    await gp.ingest.drain()
    expect(gp.ingest.stats.rejected).toBe(0)
    expect(gp.ingest.stats.accepted).toBeGreaterThan(50_000)
    const c = await counts(gp)
    // ≈0.089 reports per micro-grid per day (DOMAIN.md) over ~2,000 micro-grids for ~30 days.
    expect(c.reports).toBeGreaterThan(3_000)
    expect(c.reports).toBeLessThan(12_000)
    expect(c.visits).toBeGreaterThan(50_000)
    expect(c.without_reported).toBe(0)
    await gp.hub.refresh()
    const city = await gp.hub.snapshot('city')
    expect(city.today.open).toBeGreaterThan(0)
    expect(city.children).toHaveLength(6)
  })

  it('after a restart fills the gap and resumes, without counting any event twice', async () => {
    const before = await counts(gp!)
    await gp!.close()
    gp = await startGridPulse(config, createLogger('test', true))
    await gp.demo!.backfilled
    await gp.ingest.drain()
    const after = await counts(gp)
    expect(gp.ingest.stats.rejected).toBe(0)
    // Only what happened since the first run can be new; nothing was doubled.
    expect(after.reports - before.reports).toBeLessThan(50)
    expect(after.report_events - before.report_events).toBeLessThan(200)
    expect(after.visits - before.visits).toBeLessThan(500)
    expect(after.without_reported).toBe(0)
  })
})
