/**
 * The only entry to ECharts. Modular registration keeps the bundle to what the wall draws:
 * bars, heatmaps, and the map (a geo component for the areas, a custom series for the hex
 * layer); the full build would triple the initial JS. The trends page's extra parts (lines,
 * legends) are registered on demand by `loadLineCharts()`, so the wall never downloads them.
 */
import { use, init, registerMap, type ComposeOption, type EChartsType } from 'echarts/core'
import { BarChart, CustomChart, HeatmapChart, type BarSeriesOption, type CustomSeriesOption, type HeatmapSeriesOption, type LineSeriesOption } from 'echarts/charts'
import {
  GeoComponent,
  GridComponent,
  TooltipComponent,
  VisualMapComponent,
  type GeoComponentOption,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
  type VisualMapComponentOption,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, HeatmapChart, CustomChart, GeoComponent, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer])

export type WallChartOption = ComposeOption<
  | BarSeriesOption
  | HeatmapSeriesOption
  | CustomSeriesOption
  | GeoComponentOption
  | GridComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
  // Registered only after loadLineCharts() (the trends page); types cost nothing in the bundle.
  | LineSeriesOption
  | LegendComponentOption
>

export { init, registerMap, type EChartsType }

let lineCharts: Promise<void> | null = null

/**
 * Registers line series and legends (the trends page's charts). A separate chunk, loaded once:
 * a static import here would put them in the wall's initial JS. Await it before the first
 * `setOption` that uses them.
 */
export function loadLineCharts(): Promise<void> {
  lineCharts ??= import('./echartsLines.ts').then((m) => m.register(use)).catch((e: unknown) => {
    lineCharts = null // a failed download (a deploy replaced the chunk) may be retried
    throw e
  })
  return lineCharts
}

export const FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
