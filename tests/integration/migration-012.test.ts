/**
 * Migration 012 on a store whose report_state was built under 011: each report's place, category,
 * channel and reporter become those of its first `reported` event (or, without one, of its
 * earliest event), for the reports already stored and for those that come after; the review
 * rollups are folded again from the start; a run stopped after any of its statements completes
 * when started again. Fixture: an embedded store migrated to 011, with report events whose
 * later steps carry other places and roles — the cases a max over events got wrong.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../sql/store.ts'
import { migrate, readMigrations, splitStatements } from '../../sql/migrate.ts'
import { storeMigratedTo, type MigratedStore } from '../support/migrated-store.ts'

const TWELVE = readMigrations().find((m) => m.version === 12)!
let shared: MigratedStore
let store: Store

const rows = async <T>(query: string, on = store): Promise<T[]> => (await on.admin.query({ query, format: 'JSONEachRow' })).json<T>()
const CURRENT = `SELECT report_id, micro_grid, grid, community, street, district, category, channel, reporter_role,
    toString(reported_at) AS reported_at, toString(resolved_at) AS resolved_at FROM report_current ORDER BY report_id`

/** One report event; the place columns follow the micro-grid's dotted code (district.street.community.grid.micro). */
function event(id: string, report: string, type: string, at: string, mg: string, more: Partial<Record<'category' | 'channel' | 'reporter_role', string>> = {}) {
  const [d, s, c, g] = mg.split('.')
  return {
    event_id: id,
    report_id: report,
    type,
    at,
    received_at: at,
    micro_grid: mg,
    grid: `${d}.${s}.${c}.${g}`,
    community: `${d}.${s}.${c}`,
    street: `${d}.${s}`,
    district: d,
    category: more.category ?? '',
    channel: more.channel ?? '',
    reporter_role: more.reporter_role ?? '',
    severity: 1,
    department: '',
    note: '',
    source: 'test',
  }
}

// The places: 'a…' sorts before 'z…', so a max over events picks the stray step's.
const HOME = 'a.s1.c1.g01.m01'
const AWAY = 'z.s9.c9.g09.m09'
const EVENTS = [
  // R1: made by a grid worker in HOME; verified from AWAY by someone who says mobile_worker over wechat.
  event('R1-r', 'R1', 'reported', '2026-11-02 08:00:00', HOME, { category: 'clutter', channel: 'app', reporter_role: 'grid_worker' }),
  event('R1-v', 'R1', 'verified', '2026-11-02 09:00:00', AWAY, { channel: 'wechat', reporter_role: 'mobile_worker' }),
  // R2: reported twice: first as clutter, then as sanitation (the greater word) from AWAY.
  event('R2-r1', 'R2', 'reported', '2026-11-03 08:00:00', HOME, { category: 'clutter', reporter_role: 'resident' }),
  event('R2-r2', 'R2', 'reported', '2026-11-03 10:00:00', AWAY, { category: 'sanitation', reporter_role: 'staff' }),
  // R3: no `reported` event yet: placed by its earliest event; no category, channel or reporter.
  event('R3-v', 'R3', 'verified', '2026-11-04 08:00:00', HOME, { reporter_role: 'staff' }),
  event('R3-s', 'R3', 'resolved', '2026-11-04 12:00:00', AWAY, { reporter_role: 'staff' }),
]
const placed = (id: string, mg: string, category: string, channel: string, role: string, reported: string | null, resolved: string | null) => {
  const [d, s, c, g] = mg.split('.')
  return { report_id: id, micro_grid: mg, grid: `${d}.${s}.${c}.${g}`, community: `${d}.${s}.${c}`, street: `${d}.${s}`, district: d, category, channel, reporter_role: role, reported_at: reported, resolved_at: resolved }
}
const EXPECTED = [
  placed('R1', HOME, 'clutter', 'app', 'grid_worker', '2026-11-02 08:00:00.000', null),
  placed('R2', HOME, 'clutter', '', 'resident', '2026-11-03 08:00:00.000', null),
  placed('R3', HOME, '', '', '', null, '2026-11-04 12:00:00.000'),
]

/** A store at migration 011 holding EVENTS (report_state filled by 011's view) and a rollup state. */
async function storeAt011(): Promise<MigratedStore> {
  const at = await storeMigratedTo(11)
  await at.store.admin.insert({ table: 'report_events', values: EVENTS, format: 'JSONEachRow' })
  await at.store.admin.insert({ table: 'rollup_state', values: [{ name: 'trends', through: '2026-11-05 00:00:00.000', tz: 'Asia/Shanghai', sla: '{}', version: 7 }], format: 'JSONEachRow' })
  return at
}

beforeAll(async () => {
  shared = await storeAt011()
  store = shared.store
})
/** One embedded store per process: the shared one is closed before the test that makes its own. */
const closeShared = () => shared.remove()
afterAll(closeShared)

describe('migration 012', () => {
  it('places each stored report by its first reported event and takes category, channel and reporter from it', async () => {
    // Under 011, the max over events: AWAY, sanitation, the verifier's channel and role.
    const before = await rows<{ report_id: string; street: string; category: string; reporter_role: string }>(CURRENT)
    expect(before.map((r) => [r.report_id, r.street, r.category, r.reporter_role])).toEqual([
      ['R1', 'z.s9', 'clutter', 'mobile_worker'],
      ['R2', 'z.s9', 'sanitation', 'staff'],
      ['R3', 'z.s9', '', 'staff'],
    ])
    expect(await migrate(store.admin)).toEqual([12])
    expect(await rows(CURRENT)).toEqual(EXPECTED)
    // The place columns now live in origin only; the review rollups are to be folded again.
    const columns = await rows<{ name: string }>("SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'report_state' ORDER BY position")
    expect(columns.map((c) => c.name)).not.toContain('street')
    expect(columns.map((c) => c.name)).toContain('origin')
    expect(await rows('SELECT * FROM rollup_state')).toEqual([])
  })

  it('keeps the rule for events stored after it, whatever their order', async () => {
    // R3's `reported` arrives late, from AWAY; R1 gets an earlier `reported` (a correction sent
    // with its original time) from AWAY: both now place their report there.
    await store.admin.insert({
      table: 'report_events',
      values: [
        event('R3-r', 'R3', 'reported', '2026-11-04 07:00:00', AWAY, { category: 'other', channel: 'phone', reporter_role: 'mobile_worker' }),
        event('R1-r0', 'R1', 'reported', '2026-11-02 07:30:00', AWAY, { category: 'emergency', channel: 'hotline', reporter_role: 'resident' }),
        event('R2-x', 'R2', 'closed', '2026-11-03 07:00:00', AWAY, { reporter_role: 'mobile_worker' }),
      ],
      format: 'JSONEachRow',
    })
    const now = await rows<{ report_id: string; street: string; category: string; channel: string; reporter_role: string; reported_at: string }>(CURRENT)
    expect(now.map((r) => [r.report_id, r.street, r.category, r.channel, r.reporter_role, r.reported_at])).toEqual([
      ['R1', 'z.s9', 'emergency', 'hotline', 'resident', '2026-11-02 07:30:00.000'],
      ['R2', 'a.s1', 'clutter', '', 'resident', '2026-11-03 08:00:00.000'],
      ['R3', 'z.s9', 'other', 'phone', 'mobile_worker', '2026-11-04 07:00:00.000'],
    ])
  })

  it('completes when started again after stopping after any of its statements', { timeout: 180_000 }, async () => {
    const statements = splitStatements(TWELVE.sql)
    expect(statements.length).toBeGreaterThan(5)
    await closeShared()
    for (let stop = 1; stop < statements.length; stop++) {
      const label = `stopped after statement ${stop}: ${statements[stop - 1]!.split('\n')[0]}`
      let at: MigratedStore | undefined
      try {
        at = await storeAt011()
        for (const x of statements.slice(0, stop)) await at.store.admin.command({ query: x })
        expect(await migrate(at.store.admin), label).toEqual([12])
        expect(await rows(CURRENT, at.store), label).toEqual(EXPECTED)
        expect(await rows('SELECT * FROM rollup_state', at.store), label).toEqual([])
      } finally {
        await at?.remove()
      }
    }
  })
})
