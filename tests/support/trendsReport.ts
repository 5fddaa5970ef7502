/**
 * A hand-made TrendsReport for the monthly pack's unit tests: 大弯街道 (street:qingbaijiang.dawan),
 * November 2025 to October 2026, figures from simple formulas of the month's index so every
 * expected number can be recomputed in a test. It has:
 *   - a month with no closures and no resolutions (2026-02: rates without a base),
 *   - categories that change month to month, and an unknown category key ("noise"),
 *   - five communities: 团结路社区 best on on-time closure, 安公社区 and 盛华社区 tied, 吴家场社区 last,
 *     禹庙村 with 3 closures (below the ranking's minimum volume, so not ranked),
 *   - a year to date for January to October against the same months a year earlier.
 */
import type { PeriodFigures, TrendsReport, TrendsUnit } from '../../server/contracts/trends.ts'

export function figures(i: number, over: Partial<PeriodFigures> = {}): PeriodFigures {
  const reported = 240 + 10 * i
  return {
    reported,
    categories: { sanitation: 70 + 3 * i, clutter: 50 + 3 * i, illegal_parking: 30 + i, safety_hazard: 15 + i, neighbour_dispute: 20 + (Math.abs(i) % 4) * 3 },
    mobile: 20 + i,
    verified: 190 + 9 * i,
    verifyP50: 30 + i,
    verifyP90: 120 + 2 * i,
    resolved: 180 + 8 * i,
    resolveP50: 600 + 15 * i,
    resolveP90: 2880 + 30 * i,
    overran: 10 + (i % 4),
    closed: 170 + 8 * i,
    closedOnTime: 150 + 7 * i,
    reopened: 5 + (i % 3),
    rejected: 3,
    visited: 700 + 5 * i,
    keyHouseholds: 900,
    households: 24_000,
    ...over,
  }
}

function fixCategories(f: PeriodFigures): PeriodFigures {
  // Make the categories add up to `reported`, like the store's figures do.
  const sum = Object.values(f.categories).reduce((a, b) => a + b, 0)
  if (sum > f.reported) throw new Error(`fixture: categories (${sum}) exceed reports (${f.reported})`)
  return { ...f, categories: { ...f.categories, other: f.reported - sum } }
}

const MONTHS = ['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']

function unit(code: string, name: string, nameEn: string, closed: number, closedOnTime: number, prevOnTime: number): TrendsUnit {
  const month = fixCategories(figures(11, { closed, closedOnTime, reported: 40, households: 4000, keyHouseholds: 150, visited: 120, mobile: 4, categories: { clutter: 12, sanitation: 9, illegal_parking: 5 } }))
  const previous = fixCategories(figures(10, { closed: 20, closedOnTime: prevOnTime, reported: 38, households: 4000, keyHouseholds: 150, visited: 110, mobile: 3, categories: { clutter: 10, sanitation: 10 } }))
  return { code, name, nameEn, month, previous, topCategories: [{ category: 'clutter', n: 130 }, { category: 'sanitation', n: 101 }, { category: 'illegal_parking', n: 55 }] }
}

export function sampleReport(): TrendsReport {
  const months = MONTHS.map((month, i) => {
    let f = fixCategories(figures(i))
    if (month === '2026-02') {
      const { resolveP50: _a, resolveP90: _b, ...rest } = f
      f = { ...rest, closed: 0, closedOnTime: 0, resolved: 0, overran: 0, reopened: 0 }
    }
    if (month === '2026-10') f = { ...f, categories: { ...f.categories, noise: 2, other: (f.categories.other ?? 0) - 2 } }
    return { month, ...f, prev: fixCategories(figures(i - 1)), lastYear: fixCategories(figures(i - 3, { reported: 220 + 9 * i })) }
  })
  return {
    source: 'rollups',
    scope: 'street:qingbaijiang.dawan',
    name: '大弯街道',
    nameEn: 'Dawan Subdistrict',
    path: [
      { scope: 'city', name: '成都市', nameEn: 'Chengdu' },
      { scope: 'district:qingbaijiang', name: '青白江区', nameEn: 'Qingbaijiang District' },
      { scope: 'street:qingbaijiang.dawan', name: '大弯街道', nameEn: 'Dawan Subdistrict' },
    ],
    childLevel: 'community',
    tz: 'Asia/Shanghai',
    from: '2025-11',
    to: '2026-10',
    asOf: '2026-11-02T01:30:00.000Z',
    months,
    ytd: {
      from: '2026-01',
      to: '2026-10',
      current: fixCategories(figures(5, { reported: 2400, closed: 2100, closedOnTime: 1900, resolved: 2200, overran: 120, reopened: 60, mobile: 250, categories: { sanitation: 700, clutter: 600, illegal_parking: 350, safety_hazard: 250, neighbour_dispute: 200 } })),
      lastYear: fixCategories(figures(2, { reported: 2200, closed: 1900, closedOnTime: 1650, resolved: 2000, overran: 140, reopened: 70, mobile: 180, categories: { sanitation: 650, clutter: 560, illegal_parking: 330, safety_hazard: 260, neighbour_dispute: 190 } })),
    },
    units: [
      unit('qingbaijiang.dawan.anggong', '安公社区', 'Angong Community', 20, 18, 16),
      unit('qingbaijiang.dawan.tuanjielu', '团结路社区', 'Tuanjielu Community', 20, 20, 19),
      unit('qingbaijiang.dawan.shenghua', '盛华社区', 'Shenghua Community', 10, 9, 15),
      unit('qingbaijiang.dawan.wujiachang', '吴家场社区', 'Wujiachang Community', 25, 15, 17),
      unit('qingbaijiang.dawan.yumiao', '禹庙村', 'Yumiao Village', 3, 3, 18),
    ],
  }
}
