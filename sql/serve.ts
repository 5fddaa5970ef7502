/**
 * `npm run store`: serves the embedded store in DATA_DIR over the ClickHouse HTTP interface,
 * so `npm run ingest` and several `npm start` replicas can share it through
 * `CLICKHOUSE_URL=http://127.0.0.1:8123` (see sql/http-server.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { loadStoreConfig } from '../server/config.ts'
import { startOrExit, stopOnSignals } from '../server/process.ts'
import { createLogger } from '../server/log.ts'
import { createChdbHttpServer } from './http-server.ts'

const log = createLogger('store')
const config = await startOrExit(() => loadStoreConfig(), log)
const dir = path.join(config.dataDir, 'clickhouse')
fs.mkdirSync(dir, { recursive: true })
const server = createChdbHttpServer({ path: dir, sessions: config.sessions, user: config.user, password: config.password, maxBodyBytes: config.maxBodyBytes })
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo
  console.log(`GridPulse store (embedded ClickHouse in ${dir}) on http://${config.host}:${port}`)
})
stopOnSignals(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    }),
  log,
)
