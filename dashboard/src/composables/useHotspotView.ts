/**
 * Which view the hotspot panel shows: the map or the unit × hour heatmap, over the last 24
 * hours or 7 days. Nobody clicks a wall, so by default the views take turns (`?cycle=` seconds,
 * 30 by default, `?cycle=0` to stop); a person who picks one pins it for PIN_MS, then the
 * turns resume.
 */
import { onBeforeUnmount, onMounted, ref } from 'vue'
import { secondsFromUrl } from '../lib/urlState.ts'

export type HotspotKind = 'map' | 'heat'
export type HotspotWindow = '24h' | '7d'

const ORDER: ReadonlyArray<[HotspotKind, HotspotWindow]> = [
  ['map', '24h'],
  ['heat', '24h'],
  ['map', '7d'],
  ['heat', '7d'],
]
const PIN_MS = 5 * 60_000

export function useHotspotView() {
  const kind = ref<HotspotKind>('map')
  const window = ref<HotspotWindow>('24h')
  const cycleS = secondsFromUrl('cycle', 30)
  let timer: ReturnType<typeof setInterval> | undefined
  let pinnedUntil = 0

  function next(): void {
    if (Date.now() < pinnedUntil) return
    const i = ORDER.findIndex(([k, w]) => k === kind.value && w === window.value)
    const [k, w] = ORDER[(i + 1) % ORDER.length]!
    kind.value = k
    window.value = w
  }

  function pick(k: HotspotKind | null, w: HotspotWindow | null): void {
    if (k) kind.value = k
    if (w) window.value = w
    pinnedUntil = Date.now() + PIN_MS
  }

  onMounted(() => {
    if (cycleS !== null) timer = setInterval(next, cycleS * 1000)
  })
  onBeforeUnmount(() => clearInterval(timer))

  return { kind, window, pick, cycling: cycleS !== null }
}
