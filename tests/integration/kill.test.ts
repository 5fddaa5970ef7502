/**
 * Nothing acknowledged is lost when the process dies: a real GridPulse child process is killed
 * with SIGKILL again and again while a client streams batches at it; after the last restart on
 * the same data dir every event that got a 2xx must be in the store, once.
 * Fixture: `node --import tsx server/main.ts` with GRIDPULSE_DEMO=registry in a temp data dir; the client
 * sends 500-event NDJSON batches back to back.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startGridPulse } from '../../server/gridpulse.ts'
import { createLogger } from '../../server/log.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'
import { loadConfig } from '../../server/config.ts'
import { startChild, type Child } from '../support/processes.ts'

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-kill-'))
const KEY = 'kill-test-ingest-key-0123456789'
const microGrids = demoRegistry(loadConfig({}, {}).demoSeed)
  .filter((p) => p.level === 'micro_grid')
  .map((p) => p.code)
let child: Child | undefined

afterAll(async () => {
  await child?.kill()
  fs.rmSync(dataDir, { recursive: true, force: true })
})

function start(): Promise<Child> {
  return startChild('server/main.ts', { PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', GRIDPULSE_INGEST_KEY: KEY, GRIDPULSE_ADMIN_PASSWORD: 'kill-test-admin-0123', CLICKHOUSE_URL: '' }, /(http:\/\/localhost:\d+)\//)
}

describe('kill -9 under load', () => {
  it('keeps every acknowledged event across repeated SIGKILLs', async () => {
    const acknowledged = new Set<string>()
    const unexpected: string[] = []
    let seq = 0
    for (let round = 0; round < 3; round++) {
      child = await start()
      const { url } = child
      let stop = false
      const sender = (async () => {
        while (!stop) {
          const ids = Array.from({ length: 500 }, () => `K-${round}-${seq++}`)
          const body = ids
            .map((id, i) => JSON.stringify({ event_id: id, report_id: id, type: 'reported', at: new Date().toISOString(), micro_grid: microGrids[(seq + i) % microGrids.length], category: 'clutter' }))
            .join('\n')
          let res: Response
          let answer: { accepted: number; rejected: unknown[] }
          try {
            res = await fetch(`${url}/api/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-ndjson' }, body })
            answer = (await res.json()) as typeof answer
          } catch {
            continue // The process died mid-request: that batch was never acknowledged.
          }
          if (res.status === 200) {
            if (answer.accepted !== ids.length) unexpected.push(JSON.stringify(answer).slice(0, 300))
            ids.forEach((id) => acknowledged.add(id))
          }
        }
      })()
      // Let it take some load, then kill it at a moment it does not choose.
      await new Promise((r) => setTimeout(r, 1500 + round * 700))
      await child.kill('SIGKILL')
      stop = true
      await sender
    }
    expect(unexpected).toEqual([])
    expect(acknowledged.size).toBeGreaterThan(1000)

    // Start once more on the same data dir (in this process: the child is dead, the dir is
    // free): the spool replays what the store had not taken yet. Then count.
    const gp = await startGridPulse(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', CLICKHOUSE_URL: '' }, {}), createLogger('test', true))
    try {
      await gp.ingest.drain()
      const rs = await gp.store.reader.query({ query: "SELECT event_id, count() AS n FROM report_events WHERE event_id LIKE 'K-%' GROUP BY event_id", format: 'JSONEachRow' })
      const rows = await rs.json<{ event_id: string; n: number }>()
      const stored = new Set(rows.map((r) => r.event_id))
      const lost = [...acknowledged].filter((id) => !stored.has(id))
      expect(lost).toEqual([])
      // Exactly once: no batch replayed from the spool landed twice (without FINAL).
      expect(rows.filter((r) => Number(r.n) > 1)).toEqual([])
    } finally {
      await gp.close()
    }
  })
})
