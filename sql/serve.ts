/**
 * `npm run store`: serves the embedded store in DATA_DIR over the ClickHouse HTTP interface,
 * so `npm run ingest` and several `npm start` replicas can share it through
 * `CLICKHOUSE_URL=http://127.0.0.1:8123` (see sql/http-server.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { ConfigError, loadStoreConfig } from '../server/config.ts'
import { createLogger } from '../server/log.ts'
import { createChdbHttpServer } from './http-server.ts'

const log = createLogger('store')
let config
try {
  config = loadStoreConfig()
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`Configuration error: ${e.message}`)
    process.exit(2)
  }
  throw e
}
const dir = path.join(config.dataDir, 'clickhouse')
fs.mkdirSync(dir, { recursive: true })
const server = createChdbHttpServer({ path: dir, sessions: config.sessions, user: config.user, password: config.password, maxBodyBytes: config.maxBodyBytes })
server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo
  console.log(`GridPulse store (embedded ClickHouse in ${dir}) on http://${config.host}:${port}`)
})
const stop = (signal: string) => {
  log.info('stopping', { signal })
  setTimeout(() => process.exit(1), 10_000).unref()
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.on('SIGINT', () => stop('SIGINT'))
process.on('SIGTERM', () => stop('SIGTERM'))
