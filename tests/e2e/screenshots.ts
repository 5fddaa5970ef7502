/**
 * `npm run screenshots`: starts GridPulse with demo data in a temp dir, lets the backfill land,
 * and saves the wall at 1920×1080 and 3840×2160, and the monthly review (signed in as the demo
 * leader of 大弯街道) at 1920×1080, into docs/ (the READMEs show them). Not a test: it is how we
 * look at what we build.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { loadConfig } from '../../server/config.ts'
import { startGridPulse } from '../../server/gridpulse.ts'
import { createLogger } from '../../server/log.ts'
import { launchChromium } from '../support/browser.ts'
import { DEMO_PASSWORD } from '../../server/auth/bootstrap.ts'

const months = process.env.GRIDPULSE_DEMO_MONTHS ?? '12'
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-shots-'))
const gp = await startGridPulse(
  loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, GRIDPULSE_DEMO: '1', GRIDPULSE_DEMO_MONTHS: months, GRIDPULSE_DEMO_SPEED: '30' }, {}),
  createLogger('shots', true),
)
await gp.demo!.backfilled
// Acknowledged is not yet stored: let the spool drain so the wall shows the whole history.
await gp.ingest.drain()
await gp.hub.refresh()
await new Promise((r) => setTimeout(r, 3000))
const browser = await launchChromium()
const shots: Array<[string, string, number, number]> = [
  ['wall-1920x1080.png', 'street:qingbaijiang.dawan', 1920, 1080],
  ['wall-3840x2160.png', 'street:qingbaijiang.dawan', 3840, 2160],
  ['wall-city-1920x1080.png', 'city', 1920, 1080],
  ['wall-en-1920x1080.png', 'district:tianfu&lang=en', 1920, 1080],
]
for (const [file, scope, width, height] of shots) {
  const page = await browser.newPage({ viewport: { width, height } })
  await page.goto(`${gp.url}/?scope=${scope}&token=${gp.firstStart.kioskToken}`)
  await page.waitForSelector('[data-testid="kpi-reported"][data-value]')
  await new Promise((r) => setTimeout(r, 2500))
  await page.screenshot({ path: path.join('docs', file) })
  console.log(`docs/${file}`)
  await page.close()
}
// The monthly review needs a person, not a display token: the demo leader (demo users exist with GRIDPULSE_DEMO=1).
const review = await browser.newPage({ viewport: { width: 1920, height: 1080 } })
await review.goto(`${gp.url}/login?next=${encodeURIComponent('/trends')}`)
await review.fill('[data-testid="login-username"]', 'demo-leader')
await review.fill('[data-testid="login-password"]', DEMO_PASSWORD)
await review.click('[data-testid="login-submit"]')
await review.waitForSelector('[data-testid="trends-charts"][data-ready="true"]', { timeout: 60_000 })
await new Promise((r) => setTimeout(r, 1500))
await review.screenshot({ path: path.join('docs', 'trends-1920x1080.png') })
console.log('docs/trends-1920x1080.png')
await review.close()
await browser.close()
await gp.close()
fs.rmSync(dataDir, { recursive: true, force: true })
process.exit(0)
