/**
 * The wall is laid out once at 1920×1080 and scaled uniformly to the viewport, so a 4K
 * screen shows the same picture at 2× and a laptop sees it letterboxed — never reflowed.
 */
import { inject, onBeforeUnmount, onMounted, provide, readonly, ref, type InjectionKey, type Ref } from 'vue'

export const STAGE_WIDTH = 1920
export const STAGE_HEIGHT = 1080

export interface StageBox {
  scale: number
  left: number
  top: number
}

const STAGE_KEY: InjectionKey<Readonly<Ref<StageBox>>> = Symbol('stage')

function fit(): StageBox {
  const w = window.innerWidth
  const h = window.innerHeight
  const scale = Math.min(w / STAGE_WIDTH, h / STAGE_HEIGHT)
  return { scale, left: (w - STAGE_WIDTH * scale) / 2, top: (h - STAGE_HEIGHT * scale) / 2 }
}

/** Called by the stage frame; children read the scale with `useStageScale()`. */
export function provideStage(): Readonly<Ref<StageBox>> {
  const box = ref<StageBox>(fit())
  const update = () => {
    box.value = fit()
  }
  onMounted(() => window.addEventListener('resize', update))
  onBeforeUnmount(() => window.removeEventListener('resize', update))
  const ro = readonly(box) as Readonly<Ref<StageBox>>
  provide(STAGE_KEY, ro)
  return ro
}

export function useStageScale(): Readonly<Ref<StageBox>> {
  return inject(STAGE_KEY, ref(fit()))
}
