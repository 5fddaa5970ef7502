/** Seconds left until a moment, ticking once a second while there is any; for "try again in …". */
import { computed, onBeforeUnmount, ref } from 'vue'

export function useCountdown() {
  const until = ref(0)
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined

  const left = computed(() => Math.max(0, Math.ceil((until.value - now.value) / 1000)))

  function stopTicking(): void {
    clearInterval(timer)
    timer = undefined
  }

  function start(seconds: number): void {
    now.value = Date.now()
    until.value = now.value + seconds * 1000
    stopTicking()
    timer = setInterval(() => {
      now.value = Date.now()
      if (now.value >= until.value) stopTicking()
    }, 1000)
  }

  onBeforeUnmount(stopTicking)
  return { left, start }
}
