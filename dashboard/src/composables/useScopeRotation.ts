/**
 * Kiosk rotation (`?rotate=<seconds>`): the wall visits its start scope, then each of that
 * scope's children in turn, and back — a district centre can watch every street without
 * anyone at the keyboard. The stops are fixed from the start scope's first snapshot. Any click
 * on the page pauses the rotation for PAUSE_MS. The URL follows each stop (replaced, not
 * pushed: a rotating wall must not fill the history).
 */
import { onBeforeUnmount, onMounted, watch } from 'vue'
import type { Scope } from '@contracts/live'
import { useLiveStore } from '../stores/live.ts'
import { replaceInUrl, secondsFromUrl } from '../lib/urlState.ts'

const PAUSE_MS = 5 * 60_000

export function useScopeRotation(): void {
  const seconds = secondsFromUrl('rotate', null)
  if (seconds === null) return
  const store = useLiveStore()
  let stops: Scope[] = []
  let timer: ReturnType<typeof setInterval> | undefined
  let pausedUntil = 0
  const pause = () => (pausedUntil = Date.now() + PAUSE_MS)

  const stopWatching = watch(
    () => store.snapshot,
    (snap) => {
      if (!snap || stops.length > 0) return
      const level = snap.childLevel
      const children = level === 'grid' ? [] : snap.children.map((c) => `${level}:${c.code}` as Scope)
      stops = [snap.scope, ...children]
    },
    { immediate: true },
  )

  function next(): void {
    if (stops.length < 2 || Date.now() < pausedUntil) return
    const i = stops.indexOf(store.scope)
    const to = stops[(i + 1) % stops.length]!
    replaceInUrl('scope', to)
    store.setScope(to)
  }

  onMounted(() => {
    timer = setInterval(next, seconds * 1000)
    window.addEventListener('pointerdown', pause)
  })
  onBeforeUnmount(() => {
    clearInterval(timer)
    window.removeEventListener('pointerdown', pause)
    stopWatching()
  })
}
