/** `npm start`: runs GridPulse with the configuration from the environment (see README). */
import { ConfigError, loadConfig } from './config.ts'
import { startGridPulse } from './gridpulse.ts'
import { createLogger } from './log.ts'

const log = createLogger('gridpulse')

async function main(): Promise<void> {
  let config
  try {
    config = loadConfig()
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`Configuration error: ${e.message}`)
      process.exit(2)
    }
    throw e
  }
  const gp = await startGridPulse(config, log)
  console.log(`\nGridPulse is running: ${gp.url}/  (wall)`)
  console.log(`  store: ${gp.store.engine === 'embedded' ? `embedded ClickHouse in ${config.dataDir}` : 'ClickHouse server'}; demo: ${config.demo}`)
  if (gp.createdIngestKey) {
    console.log(`  first ingest key (shown once, keep it): ${gp.createdIngestKey}`)
    console.log(`  try: curl -H 'Authorization: Bearer ${gp.createdIngestKey}' -H 'Content-Type: application/json' ${gp.url}/api/v1/reports -d '{...}'`)
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info('stopping', { signal })
    // A hard deadline: a stuck socket or query must not keep the process from exiting.
    setTimeout(() => process.exit(1), 10_000).unref()
    gp.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((e: unknown) => {
  log.error('start failed', { error: String(e), stack: (e as Error)?.stack })
  process.exit(1)
})
