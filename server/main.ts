/** `npm start`: runs GridPulse with the configuration from the environment (see README). */
import { ConfigError, loadConfig } from './config.ts'
import { startGridPulse } from './gridpulse.ts'
import { DEMO_PASSWORD } from './auth/bootstrap.ts'
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
  const gp = await startGridPulse(config, log).catch((e: unknown) => {
    if (e instanceof ConfigError) {
      console.error(`Configuration error: ${e.message}`)
      process.exit(2)
    }
    throw e
  })
  const fs = gp.firstStart
  const lines = [``]
  // In demo mode the first thing printed is a link that opens the live wall without signing in.
  if (fs.kioskToken) lines.push(`GridPulse is running. The wall: ${gp.url}/?scope=street:qingbaijiang.dawan&token=${fs.kioskToken}`)
  else lines.push(`GridPulse is running: ${gp.url}/  (sign in at ${gp.url}/login)`)
  lines.push(`  store: ${gp.store.engine === 'embedded' ? `embedded ClickHouse in ${config.dataDir}` : 'ClickHouse server'}; demo: ${config.demo}`)
  if (fs.demoUsers.length > 0) lines.push(`  demo sign-ins (demo mode only): ${fs.demoUsers.map((u) => `${u.username} (${u.role}, ${u.scope})`).join('; ')} — password "${DEMO_PASSWORD}"`)
  if (fs.adminPassword) lines.push(`  first admin: admin / ${fs.adminPassword}   (shown once; sign in at ${gp.url}/login and change it)`)
  if (fs.ingestKey) {
    lines.push(`  first ingest key (shown once, keep it): ${fs.ingestKey}`)
    lines.push(`  try: curl -H 'Authorization: Bearer ${fs.ingestKey}' -H 'Content-Type: application/json' ${gp.url}/api/v1/reports -d '{...}'`)
  }
  console.log(lines.join('\n'))
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
