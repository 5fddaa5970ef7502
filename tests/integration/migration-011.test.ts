/**
 * Migration 011 on a store whose rollups were built under 010: trends_monthly and trends_hourly
 * are rebuilt in small granules with every row kept, trends_daily starts as trends_hourly summed
 * per UTC day, and the views feed all three afterwards; a run stopped after any of its statements
 * completes when started again. Fixture: empty embedded stores migrated to 010, with rollup rows
 * written directly (sums, categories and histograms) over the last two UTC days.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../sql/store.ts'
import { migrate, readMigrations, splitStatements } from '../../sql/migrate.ts'
import { storeMigratedTo, type MigratedStore } from '../support/migrated-store.ts'

let shared: MigratedStore
let store: Store
const ELEVEN = readMigrations().find((m) => m.version === 11)!
/** The migrations up to this one: the later ones are tested on their own. */
const UP_TO_11 = readMigrations().filter((m) => m.version <= 11)

const rows = async <T>(query: string, on = store): Promise<T[]> => (await on.admin.query({ query, format: 'JSONEachRow' })).json<T>()
const HOURLY_SUMS = `SELECT level, parent, unit, toString(toDate(hour)) AS day, toInt32(sum(reported)) AS reported, toInt32(sum(closed)) AS closed,
    toString(sumMap(categories)) AS categories, toString(sumMap(resolve_hist)) AS resolve_hist
  FROM trends_hourly GROUP BY level, parent, unit, day ORDER BY level, parent, unit, day`
const DAILY_SUMS = HOURLY_SUMS.replace('toDate(hour)', 'day').replace('FROM trends_hourly', 'FROM trends_daily')
const MONTHLY_SUMS = `SELECT level, parent, unit, toString(month) AS month, toInt32(sum(reported)) AS reported, toString(sumMap(verify_hist)) AS verify_hist
  FROM trends_monthly GROUP BY level, parent, unit, month ORDER BY level, parent, unit, month`

/** A store at migration 010 holding rollup rows: partial sums, several per unit and period (unmerged), two UTC days, two levels. */
async function storeAt010(): Promise<MigratedStore> {
  const at = await storeMigratedTo(10)
  const store = at.store
  await store.admin.command({
    query: `INSERT INTO trends_hourly (level, parent, hour, unit, reported, categories, closed, resolve_hist)
      SELECT if(number % 2 = 0, 'district', 'street'), if(number % 2 = 0, '', 'd1'), toStartOfDay(now(), 'UTC') - toIntervalHour(20) + toIntervalHour(number % 30),
        if(number % 2 = 0, 'd1', 's1'), 1, map(if(number % 3 = 0, 'clutter', 'sanitation'), 1), number % 2, map(toUInt16(100 + number % 5), 1)
      FROM numbers(120)`,
  })
  await store.admin.command({
    query: `INSERT INTO trends_monthly (level, parent, month, unit, reported, verify_hist)
      SELECT 'district', '', toStartOfMonth(today()) - toIntervalMonth(number % 2), 'd1', 1, map(toUInt16(50 + number % 3), 2) FROM numbers(10)`,
  })
  return at
}

beforeAll(async () => {
  shared = await storeAt010()
  store = shared.store
})
/** One embedded store per process: the shared one is closed before the test that makes its own. */
const closeShared = () => shared.remove()
afterAll(closeShared)

describe('migration 011', () => {
  it('keeps every rollup row, in tables of small granules', async () => {
    const [hourly, monthly] = [await rows(HOURLY_SUMS), await rows(MONTHLY_SUMS)]
    expect(hourly.length).toBeGreaterThan(2)
    expect(await migrate(store.admin, UP_TO_11)).toEqual([11])
    expect(await rows(HOURLY_SUMS)).toEqual(hourly)
    expect(await rows(MONTHLY_SUMS)).toEqual(monthly)
    const settings = await rows<{ name: string; engine_full: string }>("SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND name IN ('trends_monthly', 'trends_hourly', 'trends_daily') ORDER BY name")
    expect(settings.map((t) => t.name)).toEqual(['trends_daily', 'trends_hourly', 'trends_monthly'])
    for (const t of settings) expect(t.engine_full, t.name).toContain('index_granularity = 256')
    expect(settings.find((t) => t.name === 'trends_hourly')!.engine_full).toContain('TTL hour + toIntervalDay(400)')
  })

  it('starts trends_daily as trends_hourly summed per UTC day', async () => {
    const daily = await rows(DAILY_SUMS)
    expect(daily).toEqual(await rows(HOURLY_SUMS))
    expect(daily.length).toBe(4) // two units, two UTC days (20 hours before today's UTC midnight and 10 after)
  })

  it('feeds the monthly, hourly and daily rollups from new contributions', async () => {
    expect(await rows("SELECT toInt32(count()) AS n FROM trends_daily WHERE level = 'grid'")).toEqual([{ n: 0 }])
    await store.admin.command({
      query: `INSERT INTO trends_contrib (report_id, version, sign, district, street, community, grid, category, mobile, steps)
        VALUES ('R1', 1, 1, 'd1', 's1', 'c1', 'g1', 'clutter', 0, [('reported', toStartOfMonth(today()), toDateTime(now() - INTERVAL 1 DAY, 'UTC'), 0, 0)])`,
    })
    for (const table of ['trends_monthly', 'trends_hourly', 'trends_daily']) {
      expect(await rows(`SELECT toInt32(sum(reported)) AS n FROM ${table} WHERE level = 'grid' AND unit = 'g1'`), table).toEqual([{ n: 1 }])
    }
  })

  it('completes when started again after stopping after any of its statements, with every row kept once', { timeout: 180_000 }, async () => {
    const statements = splitStatements(ELEVEN.sql)
    expect(statements.length).toBeGreaterThan(15)
    await closeShared()
    for (let stop = 1; stop < statements.length; stop++) {
      const label = `stopped after statement ${stop}: ${statements[stop - 1]!.split('\n')[0]}`
      let at: MigratedStore | undefined
      try {
        at = await storeAt010()
        const [hourly, monthly] = [await rows(HOURLY_SUMS, at.store), await rows(MONTHLY_SUMS, at.store)]
        for (const x of statements.slice(0, stop)) await at.store.admin.command({ query: x })
        expect(await migrate(at.store.admin, UP_TO_11), label).toEqual([11])
        expect(await rows(HOURLY_SUMS, at.store), label).toEqual(hourly)
        expect(await rows(MONTHLY_SUMS, at.store), label).toEqual(monthly)
        expect(await rows(DAILY_SUMS, at.store), label).toEqual(hourly)
        // Nothing left of the stopped run, and the views feed the tables again.
        expect(await rows("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%\\_011'", at.store), label).toEqual([])
        await at.store.admin.command({
          query: `INSERT INTO trends_contrib (report_id, version, sign, district, street, community, grid, category, mobile, steps)
            VALUES ('R1', 1, 1, 'd1', 's1', 'c1', 'g1', 'clutter', 0, [('reported', toStartOfMonth(today()), toDateTime(now() - INTERVAL 1 DAY, 'UTC'), 0, 0)])`,
        })
        for (const table of ['trends_monthly', 'trends_hourly', 'trends_daily']) {
          expect(await rows(`SELECT toInt32(sum(reported)) AS n FROM ${table} WHERE unit = 'g1'`, at.store), `${label}: ${table}`).toEqual([{ n: 1 }])
        }
      } finally {
        await at?.remove()
      }
    }
  })
})
