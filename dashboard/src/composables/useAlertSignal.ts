/**
 * Makes new alerts impossible to miss: for each alert this wall has not shown within REMEMBER_MS,
 * the wall flashes (`flashing` for FLASH_MS) and, when sound is on, chimes — emergencies with an
 * urgent three-tone call, spikes with one soft tone. Alerts already there in the page's first
 * snapshot are shown but do not chime: a reload must not sound like a new emergency. A wall
 * rotating through scopes signals another scope's alert when it first gets there, once; a spike
 * that ends and comes back days later signals again.
 * Sound starts on with `?sound=1`; browsers allow audio only after a click on the page (or a
 * kiosk browser started with an autoplay policy), so the toggle's click also unlocks it.
 */
import { computed, onBeforeUnmount, ref, watch } from 'vue'
import type { WallAlert } from '@contracts/live'
import { useLiveStore } from '../stores/live.ts'
import { soundFromUrl } from '../lib/urlState.ts'

const FLASH_MS = 10_000
/** How long an alert shown once stays known: longer than a spike lasts (24 hours), so one that goes on is never new again. */
const REMEMBER_MS = 26 * 3_600_000

let audio: AudioContext | null = null
/** One setting per page: the header's toggle and the wall's signal share it. */
export const soundOn = ref(soundFromUrl())

export function toggleSound(): void {
  soundOn.value = !soundOn.value
  // The click is the user gesture browsers want before they play anything.
  if (soundOn.value) chime('spike')
}

function chime(kind: WallAlert['kind']): void {
  try {
    audio ??= new AudioContext()
    if (audio.state === 'suspended') void audio.resume()
    const tones = kind === 'emergency' ? [880, 660, 880] : [520]
    tones.forEach((hz, i) => {
      const osc = audio!.createOscillator()
      const gain = audio!.createGain()
      const t0 = audio!.currentTime + i * 0.28
      osc.frequency.value = hz
      gain.gain.setValueAtTime(0.0001, t0)
      gain.gain.exponentialRampToValueAtTime(0.3, t0 + 0.02)
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.25)
      osc.connect(gain).connect(audio!.destination)
      osc.start(t0)
      osc.stop(t0 + 0.26)
    })
  } catch {
    /* no audio device or API: the flash still says it */
  }
}

export function useAlertSignal() {
  const store = useLiveStore()
  const flashing = ref(false)
  /** Alerts newly raised while this wall watched, for tests and the flash. */
  const raised = ref(0)
  /** Alert id → when this wall last had it in a snapshot. */
  const seen = new Map<string, number>()
  let firstSnapshot = true
  let flashTimer: ReturnType<typeof setTimeout> | undefined

  const alerts = computed(() => store.snapshot?.alerts ?? [])

  watch(alerts, (list) => {
    if (!store.snapshot) return
    const now = Date.now()
    const fresh = list.filter((a) => !seen.has(a.id))
    for (const a of list) seen.set(a.id, now)
    for (const [id, at] of seen) if (now - at > REMEMBER_MS) seen.delete(id)
    const first = firstSnapshot
    firstSnapshot = false
    if (first || fresh.length === 0) return
    raised.value += fresh.length
    flashing.value = true
    clearTimeout(flashTimer)
    flashTimer = setTimeout(() => (flashing.value = false), FLASH_MS)
    if (soundOn.value) chime(fresh.some((a) => a.kind === 'emergency') ? 'emergency' : 'spike')
  })

  onBeforeUnmount(() => clearTimeout(flashTimer))
  return { alerts, flashing, raised }
}
