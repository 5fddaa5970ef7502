import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../server/config.ts'
import { startGridPulse } from '../server/gridpulse.ts'
import { createLogger } from '../server/log.ts'
import { measurePush } from './walls.ts'
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gp-try-'))
const gp = await startGridPulse(loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: 'registry', GRIDPULSE_INGEST_KEY: 'k-0123456789012345678', GRIDPULSE_DISPLAY_TOKEN: 't-0123456789012345678' }, {}), createLogger('x', true))
console.log(await measurePush(gp, { count: Number(process.argv[2] ?? 100), rate: Number(process.argv[3] ?? 5000), seconds: 4, key: 'k-0123456789012345678', token: 't-0123456789012345678' }))
await gp.close()
fs.rmSync(dataDir, { recursive: true, force: true })
process.exit(0)
