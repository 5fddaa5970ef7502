/**
 * RFC 7386 JSON merge patches, the live protocol's patch format, shared by the server (which
 * diffs snapshots) and the dashboard (which applies patches). `diff(a, b)` gives the patch that
 * turns a into b. Arrays are replaced whole (as the RFC says), so the snapshot keeps big lists
 * keyed by code where small patches matter (the heatmap). Applying never mutates its inputs and
 * keeps the identity of untouched subtrees, so a chart watching one part redraws only when a
 * patch touched it.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
const isObject = isPlainObject

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]))
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && equal(a[k], b[k]))
  }
  return false
}

/** The merge patch from `prev` to `next`; `{}` when they are equal. Values must not be null. */
export function diff(prev: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {}
  for (const k of Object.keys(prev)) if (!(k in next)) patch[k] = null
  for (const [k, v] of Object.entries(next)) {
    const old = prev[k]
    // Snapshots share unchanged subtrees (the window figures, a minute at a time): skip them whole.
    if (old === v) continue
    if (isObject(old) && isObject(v)) {
      const sub = diff(old, v)
      if (Object.keys(sub).length > 0) patch[k] = sub
    } else if (!equal(old, v)) {
      patch[k] = v
    }
  }
  return patch
}

export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (!isObject(patch)) return patch as T
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = applyMergePatch(out[k], v)
  }
  return out as T
}

