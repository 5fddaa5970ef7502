/**
 * The only entry to ECharts. Modular registration keeps the bundle to what the wall draws:
 * bars, heatmaps, and the map (a geo component for the areas, a custom series for the hex
 * layer); the full build would triple the initial JS.
 */
import { use, init, registerMap, type ComposeOption, type EChartsType } from 'echarts/core'
import { BarChart, CustomChart, HeatmapChart, type BarSeriesOption, type CustomSeriesOption, type HeatmapSeriesOption } from 'echarts/charts'
import {
  GeoComponent,
  GridComponent,
  TooltipComponent,
  VisualMapComponent,
  type GeoComponentOption,
  type GridComponentOption,
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
>

export { init, registerMap, type EChartsType }

export const FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
