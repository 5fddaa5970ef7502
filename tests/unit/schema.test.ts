import { describe, expect, it } from 'vitest'
import { CATEGORIES, describeIssues, reportEventSchema, visitEventSchema } from '../../ingest/schema.ts'

const report = {
  event_id: 'e1',
  report_id: 'r1',
  type: 'reported',
  at: '2026-11-23T09:30:00+08:00',
  micro_grid: 'qingbaijiang.dawan.tuanjielu.g01.m01',
  category: 'flying_wire_charging',
}

function errorOf(schema: typeof reportEventSchema | typeof visitEventSchema, value: unknown) {
  const r = schema.safeParse(value)
  if (r.success) throw new Error('expected a validation error')
  return describeIssues(r.error)
}

describe('the report wire schema', () => {
  it('accepts a minimal reported event', () => {
    expect(reportEventSchema.safeParse(report).success).toBe(true)
  })

  it('requires a category on reported events only', () => {
    const { category: _c, ...noCategory } = report
    expect(errorOf(reportEventSchema, noCategory)).toEqual({ field: 'category', error: 'category: is required when type is "reported"' })
    expect(reportEventSchema.safeParse({ ...noCategory, type: 'verified' }).success).toBe(true)
  })

  it('names an unknown enum value and lists the allowed ones', () => {
    const e = errorOf(reportEventSchema, { ...report, category: 'pothole' })
    expect(e.field).toBe('category')
    expect(e.error).toMatch(/must be one of safety_hazard, .*other/)
  })

  it('refuses a timestamp without an offset', () => {
    expect(errorOf(reportEventSchema, { ...report, at: '2026-11-23T09:30:00' }).field).toBe('at')
  })

  it('names an unknown field', () => {
    expect(errorOf(reportEventSchema, { ...report, colour: 'red' })).toEqual({ field: 'colour', error: 'unknown field "colour"' })
  })

  it('names a missing field and a wrong type', () => {
    const { report_id: _r, ...noId } = report
    expect(errorOf(reportEventSchema, noId)).toEqual({ field: 'report_id', error: 'report_id: is required' })
    expect(errorOf(reportEventSchema, { ...report, severity: 'high' }).error).toBe('severity: must be a number (got a string)')
  })

  it('limits event ids to 64 characters and notes to 2,000', () => {
    expect(errorOf(reportEventSchema, { ...report, event_id: 'x'.repeat(65) }).field).toBe('event_id')
    expect(errorOf(reportEventSchema, { ...report, note: 'x'.repeat(2001) }).field).toBe('note')
  })

  it('wants lat and lon together', () => {
    expect(errorOf(reportEventSchema, { ...report, lat: 30.7 }).field).toBe('lon')
  })
})

describe('the visit wire schema', () => {
  const visit = {
    event_id: 'v1',
    at: '2026-11-23T10:00:00+08:00',
    micro_grid: 'pidu.deyuan.yumiao.g01.m01',
    worker_id: 'W-1',
    worker_role: 'family_doctor',
    household: 'H-1',
    groups: ['elderly'],
    kind: 'home_medical',
  }

  it('accepts a home medical visit to an elderly household', () => {
    expect(visitEventSchema.safeParse(visit).success).toBe(true)
  })

  it('names an unknown group inside the array', () => {
    const e = errorOf(visitEventSchema, { ...visit, groups: ['elderly', 'martian'] })
    expect(e.field).toBe('groups.1')
  })
})

describe('category names', () => {
  it('names every wire category in both languages, and nothing else', async () => {
    const { CATEGORY_NAMES } = await import('../../server/contracts/categories.ts')
    for (const lang of ['zh-CN', 'en'] as const) expect(Object.keys(CATEGORY_NAMES[lang]).sort()).toEqual([...CATEGORIES].sort())
  })
})
