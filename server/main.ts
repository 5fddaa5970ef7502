/** `npm start`: runs GridPulse with the configuration from the environment (see README). */
import { loadConfig } from './config.ts'
import { startOrExit, stopOnSignals } from './process.ts'
import { startGridPulse } from './gridpulse.ts'
import { DEMO_PASSWORD } from './auth/bootstrap.ts'
import { createLogger } from './log.ts'

const log = createLogger('gridpulse')

async function main(): Promise<void> {
  const config = await startOrExit(() => loadConfig(), log)
  const gp = await startOrExit(() => startGridPulse(config, log), log)
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
  stopOnSignals(() => gp.close(), log)
}

main().catch((e: unknown) => {
  log.error('start failed', { error: String(e), stack: (e as Error)?.stack })
  process.exit(1)
})
