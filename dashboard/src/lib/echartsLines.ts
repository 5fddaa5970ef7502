/**
 * The chart parts only the trends page draws: line series and legends. Imported by nothing but
 * `echarts.ts` (`loadLineCharts()`, a dynamic import), so they stay out of the wall's chunk.
 */
import { LineChart } from 'echarts/charts'
import { LegendComponent } from 'echarts/components'
import type { use as Use } from 'echarts/core'

/** Takes `use` from echarts.ts so the registration lands in the same ECharts instance. */
export function register(use: typeof Use): void {
  use([LineChart, LegendComponent])
}
