/**
 * The only entry to ECharts. Modular registration keeps the bundle to the two chart types
 * the wall draws (the full build would triple the initial JS).
 */
import { use, init, type ComposeOption, type EChartsType } from 'echarts/core'
import { BarChart, HeatmapChart, type BarSeriesOption, type HeatmapSeriesOption } from 'echarts/charts'
import {
  GridComponent,
  TooltipComponent,
  VisualMapComponent,
  type GridComponentOption,
  type TooltipComponentOption,
  type VisualMapComponentOption,
} from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([BarChart, HeatmapChart, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer])

export type WallChartOption = ComposeOption<
  BarSeriesOption | HeatmapSeriesOption | GridComponentOption | TooltipComponentOption | VisualMapComponentOption
>

export { init, type EChartsType }

export const FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
