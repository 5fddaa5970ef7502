import { describe, expect, it } from 'vitest'
import { parseCsv, registryFromCsv, registryToCsv } from '../../ingest/registry/csv.ts'
import { demoRegistry } from '../../ingest/registry/demo.ts'

const HEADER = 'code,level,parent,name,name_en,households,key_households,lat,lon'
const small = [
  HEADER,
  'cd,city,,成都,Chengdu,,,30.66,104.06',
  'pd,district,cd,郫都区,Pidu,,,30.8,103.9',
  'pd.dy,street,pd,德源街道,Deyuan,,,30.8,103.9',
  'pd.dy.ym,community,pd.dy,禹庙村,Yumiao Village,,,30.8,103.9',
  'pd.dy.ym.g1,grid,pd.dy.ym,第1网格,Grid 1,,,30.8,103.9',
  'pd.dy.ym.g1.m1,micro_grid,pd.dy.ym.g1,"第1-1微网格, 东",Micro-grid 1-1,40,12,30.8,103.9',
  'pd.dy.ym.g1.m2,micro_grid,pd.dy.ym.g1,第1-2微网格,Micro-grid 1-2,60,20,30.8,103.9',
].join('\n')

describe('registry CSV import', () => {
  it('reads quoted fields with commas', () => {
    expect(parseCsv('a,"b,c","d""e"\n')).toEqual([['a', 'b,c', 'd"e']])
  })

  it('builds the tree and sums households upwards', () => {
    const places = registryFromCsv(small)
    expect(places).toHaveLength(7)
    const city = places.find((p) => p.level === 'city')!
    expect(city.households).toBe(100)
    expect(city.keyHouseholds).toBe(32)
    expect(places.find((p) => p.code === 'pd.dy.ym.g1.m1')!.name).toBe('第1-1微网格, 东')
  })

  it('names the line and column of a bad value', () => {
    expect(() => registryFromCsv(small.replace(',40,12,', ',forty,12,'))).toThrow('line 7, column households: "forty" must be a number from 0 to 10000000')
    expect(() => registryFromCsv(small.replace('pd.dy.ym.g1,grid,pd.dy.ym', 'pd.dy.ym.g1,grid,pd.dy'))).toThrow(/line 6, column parent: a grid's parent must be a community/)
    expect(() => registryFromCsv(small.replace('micro_grid,pd.dy.ym.g1,第1-2', 'micro-grid,pd.dy.ym.g1,第1-2'))).toThrow(/line 8, column level/)
  })

  it('refuses a CSV without the required columns', () => {
    expect(() => registryFromCsv('code,level\ncd,city')).toThrow(/no "parent" column/)
  })

  it('round-trips the demo registry through CSV', () => {
    const demo = demoRegistry(1)
    const back = registryFromCsv(registryToCsv(demo))
    expect(back).toEqual(demo)
  })
})
