/**
 * `npm run registry:import -- boundaries.geojson` as an operator runs it: a child process
 * imports place boundaries into a fresh embedded store that already has a registry (imported
 * from a CSV by the same command first). A bad file is refused naming the feature and field,
 * and writes nothing; a good one is read back through the map's own query.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createStore } from '../../sql/store.ts'
import { boundariesVersion, loadBoundaries } from '../../ingest/registry/boundary-store.ts'

const run = promisify(execFile)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-boundaries-'))
const data = path.join(dir, 'data')
const TSX = path.resolve('node_modules/.bin/tsx')
// The command must write to the temp embedded store, whatever the developer's shell points at.
const env = { ...process.env, DATA_DIR: data, CLICKHOUSE_URL: '' }
const cli = (file: string) => run(TSX, ['ingest/registry/import-cli.ts', file], { env })
const failure = (file: string) =>
  cli(file).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  )

const csv = [
  'code,level,parent,name,name_en,households,key_households,lat,lon',
  'cd,city,,成都市,Chengdu,,,30.66,104.06',
  'wj,district,cd,温江区,Wenjiang District,,,30.69,103.83',
  'wj.sa,street,wj,寿安镇,Shou\'an Town,,,30.62,103.72',
  'wj.sa.wjc,community,wj.sa,吴家场社区,Wujiachang Community,,,30.62,103.72',
  'wj.sa.wjc.g1,grid,wj.sa.wjc,第1网格,Grid 1,,,30.62,103.72',
  'wj.sa.wjc.g1.m1,micro_grid,wj.sa.wjc.g1,第1-1微网格,Micro-grid 1-1,64,9,30.62,103.72',
].join('\n')

const square = (lon: number, lat: number, d: number) => [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
const feature = (code: string, ring: number[][]) => ({ type: 'Feature', properties: { code }, geometry: { type: 'Polygon', coordinates: [ring] } })
const collection = (...features: unknown[]) => JSON.stringify({ type: 'FeatureCollection', features })

function write(name: string, text: string): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

async function stored(codes: string[]) {
  const store = await createStore({ dataDir: data })
  try {
    return { version: await boundariesVersion(store.admin), geometries: await loadBoundaries(store.admin, codes) }
  } finally {
    await store.close()
  }
}

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('boundary import command', () => {
  it('refuses a malformed file before it opens the store, naming the feature and field', async () => {
    const bad = write('bad.geojson', collection(feature('wj', square(103.7, 30.6, 0.2)), feature('wj.sa', square(103.72, 30.62, 0.02).slice(0, 4))))
    const err = await failure(bad)
    expect(err?.code).toBe(1)
    expect(err?.stderr).toContain('feature 1, geometry.coordinates[0]: the ring is not closed')
    expect(fs.existsSync(data)).toBe(false)
  })

  it('refuses a code the registry does not have, and writes nothing', async () => {
    const { stdout } = await cli(write('places.csv', csv))
    expect(stdout).toContain('imported 6 places')
    const unknown = write('unknown.geojson', collection(feature('wj', square(103.7, 30.6, 0.2)), feature('wj.nowhere', square(103.72, 30.62, 0.02))))
    const err = await failure(unknown)
    expect(err?.code).toBe(1)
    expect(err?.stderr).toContain('feature 1, properties.code: "wj.nowhere" is not a place in the registry')
    expect((await stored(['wj'])).version.rows).toBe(0)
  })

  it('imports boundaries of known places; a later import replaces one and keeps the others', async () => {
    const first = write('first.geojson', collection(feature('wj', square(103.7, 30.6, 0.2)), feature('wj.sa.wjc', square(103.715, 30.615, 0.01))))
    expect((await cli(first)).stdout).toContain('imported 2 boundaries (district: 1, community: 1)')
    const again = write('again.geojson', collection(feature('wj.sa.wjc', square(103.716, 30.616, 0.008))))
    expect((await cli(again)).stdout).toContain('imported 1 boundary (community: 1)')
    const { geometries } = await stored(['wj', 'wj.sa', 'wj.sa.wjc'])
    expect([...geometries.keys()].sort()).toEqual(['wj', 'wj.sa.wjc'])
    expect(JSON.parse(geometries.get('wj')!)).toEqual({ type: 'Polygon', coordinates: [square(103.7, 30.6, 0.2)] })
    expect(JSON.parse(geometries.get('wj.sa.wjc')!)).toEqual({ type: 'Polygon', coordinates: [square(103.716, 30.616, 0.008)] })
  })
})
