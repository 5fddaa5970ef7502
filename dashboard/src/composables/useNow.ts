/** One shared 1 s clock for everything that shows "now", instead of a timer per component. */
import { onScopeDispose, ref, type Ref } from 'vue'

const now = ref(new Date())
let users = 0
let timer: ReturnType<typeof setInterval> | undefined

export function useNow(): Readonly<Ref<Date>> {
  if (users++ === 0) {
    // Align ticks to the wall-clock second so the seconds digit flips on time.
    const start = () => {
      now.value = new Date()
      timer = setInterval(() => (now.value = new Date()), 1000)
    }
    timer = setTimeout(start, 1000 - (Date.now() % 1000))
  }
  onScopeDispose(() => {
    if (--users === 0) {
      clearTimeout(timer)
      clearInterval(timer)
      timer = undefined
    }
  })
  return now
}
