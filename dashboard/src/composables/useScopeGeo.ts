/**
 * The map's geography for a scope: `GET /api/v1/geo` when the scope changes and again every
 * REFRESH_MS (a 304 from the HTTP cache until boundaries or the registry change), registered
 * with ECharts under one name per scope, so a wall touring scopes all day keeps one map each.
 */
import { onBeforeUnmount, ref, shallowRef, watch } from 'vue'
import type { GeoFeatureCollection } from '@contracts/geo'
import type { Scope } from '@contracts/live'
import { apiFetch, readJson } from '../lib/api.ts'
import { registerMap } from '../lib/echarts.ts'

/** Boundaries change with an operator's import; a wall should show it within minutes. */
const REFRESH_MS = 10 * 60_000
/** After a failure (server restarting, say), ask again sooner. */
const RETRY_MS = 30_000

export interface ScopeGeo {
  scope: Scope
  /** Name the collection is registered under with ECharts (`geo.map`). */
  mapName: string
  /** Changes when the collection does (the answer's ETag). */
  version: string
  collection: GeoFeatureCollection
}

/** `scope` null: nothing to show yet (no snapshot), so nothing is asked. */
export function useScopeGeo(scope: () => Scope | null) {
  const geo = shallowRef<ScopeGeo | null>(null)
  /** The server's reason when the last fetch failed; null after a success. */
  const error = ref<string | null>(null)
  let seq = 0
  let timer: ReturnType<typeof setTimeout> | undefined

  async function load(): Promise<void> {
    clearTimeout(timer)
    const wanted = scope()
    const mine = ++seq
    if (wanted === null) return
    let failed = false
    try {
      const res = await apiFetch(`/api/v1/geo?scope=${encodeURIComponent(wanted)}`)
      const collection = await readJson<GeoFeatureCollection>(res)
      if (mine !== seq) return // the scope changed meanwhile
      const version = res.headers.get('ETag') ?? `${mine}`
      error.value = null
      if (geo.value?.scope === wanted && geo.value.version === version) return
      const mapName = `gridpulse:${wanted}`
      // ECharts' typing wants its own GeoJSON type; ours is the same RFC 7946 shape.
      registerMap(mapName, collection as unknown as Parameters<typeof registerMap>[1])
      geo.value = { scope: wanted, mapName, version, collection }
    } catch (e) {
      if (mine !== seq) return
      failed = true
      error.value = e instanceof Error ? e.message : String(e)
      if (geo.value?.scope !== wanted) geo.value = null
    } finally {
      if (mine === seq) timer = setTimeout(() => void load(), failed ? RETRY_MS : REFRESH_MS)
    }
  }

  watch(scope, () => void load(), { immediate: true })
  onBeforeUnmount(() => {
    clearTimeout(timer)
    seq++ // an answer still on its way is for nobody now
  })

  return { geo, error }
}
