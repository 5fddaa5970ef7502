/**
 * Binds one ECharts instance to an element.
 *
 * `spec` is a computed that yields the option plus a key built from the data it uses: the
 * chart is only touched when the key changes, not on every patch of unrelated fields (and
 * not when a patch replaces an array with an equal one).
 *
 * The canvas is rendered at devicePixelRatio × stage scale so text stays sharp when the
 * stage is scaled up (4K); ECharts cannot change its pixel ratio in place, so a scale change
 * re-creates the instance.
 */
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue'
import { init, type EChartsType, type WallChartOption } from '../lib/echarts.ts'
import { useStageScale } from './useStageScale.ts'

export interface ChartSpec {
  key: string
  option: WallChartOption
}

export interface RowClick {
  /** Whether rows are clickable now (e.g. not at grid level, where there is no drill). */
  enabled: () => boolean
  /** Index into the y-axis categories. */
  onClick: (row: number) => void
}

/**
 * Row of the y category axis under a pixel, or null outside the grid. A whole row is the
 * target, not just the bar: a short bar (a quiet street) is otherwise nearly unclickable.
 */
function rowAt(chart: EChartsType, x: number, y: number): number | null {
  const origin = chart.convertToPixel({ gridIndex: 0 }, [0, 0])
  const inside = origin ? chart.containPixel({ gridIndex: 0 }, [origin[0] ?? x, y]) : false
  if (!inside) return null
  const data = chart.convertFromPixel({ gridIndex: 0 }, [x, y])
  const row = Array.isArray(data) ? data[1] : undefined
  return typeof row === 'number' && Number.isFinite(row) ? Math.round(row) : null
}

/**
 * `onCreate` runs on every new instance (the first, and each re-creation for a new pixel ratio),
 * for charts that listen to their own events (the map's area clicks). The returned `chart()` is
 * the current instance, or null before mount and after unmount.
 */
export function useEChart(
  el: Ref<HTMLElement | null>,
  spec: Readonly<Ref<ChartSpec | null>>,
  rows?: RowClick,
  onCreate?: (chart: EChartsType) => void,
): { chart: () => EChartsType | null } {
  const stage = useStageScale()
  let chart: EChartsType | null = null
  let appliedKey: string | null = null
  let ratio = 0
  let ro: ResizeObserver | null = null
  let reinitTimer: ReturnType<typeof setTimeout> | undefined

  const wantedRatio = () => Math.max(1, Math.round((window.devicePixelRatio || 1) * stage.value.scale * 4) / 4)

  function create(): void {
    if (!el.value) return
    ratio = wantedRatio()
    chart = init(el.value, undefined, { renderer: 'canvas', devicePixelRatio: ratio })
    if (rows) {
      const c = chart
      const zr = c.getZr()
      zr.on('click', (e) => {
        if (!rows.enabled()) return
        const row = rowAt(c, e.offsetX, e.offsetY)
        if (row !== null) rows.onClick(row)
      })
      zr.on('mousemove', (e) => {
        const hit = rows.enabled() && rowAt(c, e.offsetX, e.offsetY) !== null
        zr.setCursorStyle(hit ? 'pointer' : 'default')
      })
    }
    onCreate?.(chart)
    appliedKey = null
    apply()
  }

  function apply(): void {
    const s = spec.value
    if (!chart || !s || s.key === appliedKey) return
    // Replace series and axes as a whole: a new scope may have a different set of children.
    chart.setOption(s.option, { replaceMerge: ['series', 'xAxis', 'yAxis'], lazyUpdate: true })
    appliedKey = s.key
    // How often this chart was redrawn, for tests that check a patch touches only its charts.
    if (el.value) el.value.dataset.renders = String(Number(el.value.dataset.renders ?? 0) + 1)
  }

  onMounted(() => {
    create()
    ro = new ResizeObserver(() => chart?.resize())
    if (el.value) ro.observe(el.value)
  })

  watch(spec, apply)

  watch(
    () => stage.value.scale,
    () => {
      clearTimeout(reinitTimer)
      reinitTimer = setTimeout(() => {
        if (!chart || wantedRatio() === ratio) return
        chart.dispose()
        create()
      }, 300)
    },
  )

  onBeforeUnmount(() => {
    clearTimeout(reinitTimer)
    ro?.disconnect()
    chart?.dispose()
    chart = null
  })

  return { chart: () => chart }
}
