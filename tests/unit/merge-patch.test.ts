import { describe, expect, it } from 'vitest'
import { applyMergePatch, diff } from '../../server/contracts/mergePatch.ts'

describe('RFC 7386 merge patches between snapshots', () => {
  const a = { seq: 1, today: { reported: 3, open: 2 }, heatmap: { x: [0, 1], y: [2, 2] }, response: { verify: { n: 0 } } }

  it('is empty for equal snapshots', () => {
    expect(diff(a, structuredClone(a))).toEqual({})
  })

  it('carries only what changed, arrays whole', () => {
    const b = structuredClone(a)
    b.today.reported = 4
    b.heatmap.x = [0, 2]
    expect(diff(a, b)).toEqual({ today: { reported: 4 }, heatmap: { x: [0, 2] } })
  })

  it('deletes with null what disappeared, and applying the diff rebuilds the target', () => {
    const b = { ...structuredClone(a), response: { verify: { n: 3, p50: 12.5, p90: 40 } } } as Record<string, unknown>
    delete (b.heatmap as Record<string, unknown>).y
    const patch = diff(a, b)
    expect((patch.heatmap as Record<string, unknown>).y).toBeNull()
    expect(applyMergePatch(a, patch)).toEqual(b)
    expect(applyMergePatch(b, diff(b, a))).toEqual(a)
  })
})
