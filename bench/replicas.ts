/**
 * `npm run bench:replicas` (`-- --sockets=500 --rate=5000 --seconds=10`): the scaled topology
 * on this machine — redis-server, `npm run store`, two `npm start` replicas on both — with half
 * the walls on the replica that computes and half on the one that applies its ticks. While
 * events arrive at `rate` (bench/walls.ts' load, through the computing replica), it reports per
 * half the latency from a tick's start (asOf) to the wall: the follower's extra is the Redis hop
 * and its own apply. Then it kills the computing replica (SIGKILL) and times how long the
 * follower's walls wait for a tick computed by the survivor. Prints figures; asserts nothing.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { demoRegistry } from '../ingest/registry/demo.ts'
import { metric, startChild, type Child } from '../tests/support/processes.ts'
import { startRedis } from '../tests/support/redis.ts'
import { connectWalls, loadBodies, pct, sendPaced, wallScopes } from './walls.ts'

const arg = (name: string, fallback: number) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback)
const SOCKETS = arg('sockets', 500)
const RATE = arg('rate', 5_000)
const SECONDS = arg('seconds', 10)
const KEY = 'replicas-bench-key-0123456789'
const TOKEN = 'replicas-bench-token-0123456789'
const dirs = ['store', 'a', 'b'].map((d) => fs.mkdtempSync(path.join(os.tmpdir(), `gridpulse-bench-${d}-`)))
const r = (n: number) => Math.round(n).toLocaleString('en')

const redis = await startRedis()
const children: Child[] = []
try {
  const store = await startChild('sql/serve.ts', { DATA_DIR: dirs[0]!, STORE_PORT: '0', STORE_HOST: '127.0.0.1' }, /on http:\/\/127\.0\.0\.1:(\d+)/)
  children.push(store)
  const env = (dir: string) => ({
    CLICKHOUSE_URL: `http://127.0.0.1:${store.url}/gridpulse`,
    REDIS_URL: redis.url,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dir,
    GRIDPULSE_DEMO: 'registry',
    GRIDPULSE_INGEST_KEY: KEY,
    GRIDPULSE_DISPLAY_TOKEN: TOKEN,
    CLUSTER_LEASE_MS: '3000',
  })
  children.push(...(await Promise.all([dirs[1]!, dirs[2]!].map((d) => startChild('server/main.ts', env(d), /(http:\/\/localhost:\d+)\//, 120_000)))))
  const replicas = children.slice(1)
  const leading = async (c: Child) => (await metric(c.url, 'gridpulse_live_leading')) === 1
  let leader: Child | undefined
  for (let i = 0; i < 100 && !leader; i++) {
    for (const c of replicas) if (await leading(c)) leader = c
    if (!leader) await new Promise((res) => setTimeout(res, 100))
  }
  if (!leader) throw new Error('no replica took the live lease')
  const follower = replicas.find((c) => c !== leader)!

  const places = demoRegistry(20221107)
  const scopes = wallScopes(places)
  const micro = places.filter((p) => p.level === 'micro_grid').map((p) => p.code)
  const [onLeader, onFollower] = await Promise.all([connectWalls(leader.url, TOKEN, scopes, SOCKETS / 2), connectWalls(follower.url, TOKEN, scopes, SOCKETS / 2)])
  await Promise.all([onLeader.measure(), onFollower.measure()])
  const sent = await sendPaced(leader.url, KEY, loadBodies(micro, RATE, SECONDS, `${process.pid}`))
  await new Promise((res) => setTimeout(res, 1500))
  const [a, b] = await Promise.all([onLeader.report(), onFollower.report()])
  const lat = (x: { arrivals: Array<[number, number]> }) => x.arrivals.map(([asOf, at]) => at - asOf)
  console.log(`two replicas on Redis and \`npm run store\`, ${r(SOCKETS)} walls (half on each), ingest through the computing replica at ${r(sent)} events/s for ${SECONDS} s:`)
  console.log(`  tick start → wall, on the computing replica: p50 ${r(pct(lat(a), 50))} ms, p99 ${r(pct(lat(a), 99))} ms (${r(a.patches)} patches, ${a.gaps} gaps)`)
  console.log(`  tick start → wall, on the applying replica:  p50 ${r(pct(lat(b), 50))} ms, p99 ${r(pct(lat(b), 99))} ms (${r(b.patches)} patches, ${b.gaps} gaps)`)
  console.log(`  computes: ${r(await metric(leader.url, 'gridpulse_live_computes'))} on the computing replica, ${r(await metric(follower.url, 'gridpulse_live_computes'))} on the other (ticks applied there: ${r(await metric(follower.url, 'gridpulse_live_ticks_applied'))})`)

  // Failover: the follower's walls wait for a tick computed by the survivor.
  await onFollower.measure()
  const killed = Date.now()
  await leader.kill('SIGKILL')
  const trickle = sendPaced(follower.url, KEY, loadBodies(micro, 200, 10, `${process.pid}-after`))
  let firstAfter: number | undefined
  while (firstAfter === undefined && Date.now() - killed < 20_000) {
    await new Promise((res) => setTimeout(res, 200))
    const { arrivals } = await onFollower.report()
    firstAfter = arrivals.find(([asOf]) => asOf > killed)?.[1]
    if (firstAfter === undefined) await onFollower.measure()
  }
  await trickle
  console.log(`  after SIGKILL of the computing replica (lease TTL 3 s): the other's walls got its first tick after ${firstAfter === undefined ? 'more than 20 s' : `${r(firstAfter - killed)} ms`}`)
  onLeader.close()
  onFollower.close()
} finally {
  for (const c of children.reverse()) await c.kill('SIGTERM')
  await redis.stop()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
}
process.exit(0)
