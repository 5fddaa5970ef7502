/**
 * `npm run registry:import` as a user runs it: a child process imports a CSV into a fresh
 * embedded store; a bad CSV is refused with the line and column, and nothing is written.
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { createStore } from '../../sql/store.ts'
import { loadPlaces } from '../../ingest/registry/store.ts'

const run = promisify(execFile)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gridpulse-import-'))
const TSX = path.resolve('node_modules/.bin/tsx')
// The command must write to the temp embedded store, whatever the developer's shell points at.
const env = (dataDir: string) => ({ ...process.env, DATA_DIR: dataDir, CLICKHOUSE_URL: '' })

const csv = [
  'code,level,parent,name,name_en,households,key_households,lat,lon',
  'cd,city,,成都市,Chengdu,,,30.66,104.06',
  'wj,district,cd,温江区,Wenjiang District,,,30.69,103.83',
  'wj.sa,street,wj,寿安镇,Shou\'an Town,,,30.62,103.72',
  'wj.sa.wjc,community,wj.sa,吴家场社区,Wujiachang Community,,,30.62,103.72',
  'wj.sa.wjc.g1,grid,wj.sa.wjc,第1网格,Grid 1,,,30.62,103.72',
  'wj.sa.wjc.g1.m1,micro_grid,wj.sa.wjc.g1,第1-1微网格,Micro-grid 1-1,64,9,30.62,103.72',
].join('\n')

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

describe('registry import command', () => {
  it('refuses a bad CSV naming the line and column, and writes nothing', async () => {
    const bad = path.join(dir, 'bad.csv')
    fs.writeFileSync(bad, csv.replace(',64,9,', ',sixty,9,'))
    const err = await run(TSX, ['ingest/registry/import-cli.ts', bad], { env: env(path.join(dir, 'data')) }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    )
    expect(err?.code).toBe(1)
    expect(err?.stderr).toContain('line 7, column households: "sixty" must be a number')
    expect(fs.existsSync(path.join(dir, 'data'))).toBe(false)
  })

  it('imports a CSV into the store, with households summed up the tree', async () => {
    const good = path.join(dir, 'places.csv')
    fs.writeFileSync(good, csv)
    const { stdout } = await run(TSX, ['ingest/registry/import-cli.ts', good], { env: env(path.join(dir, 'data')) })
    expect(stdout).toContain('imported 6 places: 1 districts, 1 streets, 1 communities, 1 grids, 1 micro-grids')
    const store = await createStore({ dataDir: path.join(dir, 'data') })
    try {
      const places = await loadPlaces(store.admin)
      expect(places.map((p) => p.code)).toEqual(['cd', 'wj', 'wj.sa', 'wj.sa.wjc', 'wj.sa.wjc.g1', 'wj.sa.wjc.g1.m1'])
      expect(places.find((p) => p.code === 'wj.sa')).toMatchObject({ name: '寿安镇', households: 64, keyHouseholds: 9 })
    } finally {
      await store.close()
    }
  })
})
