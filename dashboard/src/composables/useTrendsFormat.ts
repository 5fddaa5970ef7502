/**
 * How the trends page writes its figures, in the UI language: rates as percentages, times with
 * the wall's units (12 min, 3.5 h, 1.2 d), months as 2026年3月 / Mar 2026. One place, so the
 * KPI strip, the charts' tooltips and the ranking read the same.
 */
import { useI18n } from 'vue-i18n'
import type { Month } from '@contracts/trends'
import { durationParts } from '../lib/format.ts'
import type { FigureUnit } from '../lib/trendsFigures.ts'

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

export function useTrendsFormat() {
  const { t, locale } = useI18n()
  const en = () => locale.value === 'en'

  function duration(minutes: number | undefined): string {
    const p = durationParts(minutes)
    if (!p.unit) return p.num
    return `${p.num}${en() ? ' ' : ''}${t(`unit.${p.unit}`)}`
  }

  function number(v: number): string {
    if (Number.isInteger(v)) return v.toLocaleString('en-US')
    return v.toFixed(v < 10 ? 2 : 1)
  }

  /** A figure, or "—" when its base is empty (no closures, no key households…). */
  function figure(unit: FigureUnit, v: number | undefined): string {
    if (v === undefined || !Number.isFinite(v)) return '—'
    if (unit === 'rate') return `${(v * 100).toFixed(1)}%`
    if (unit === 'minutes') return duration(v)
    return number(v)
  }

  /**
   * A relative change, "12.5%" (one decimal below 100%, whole above), or with `points` a rate's
   * change in percentage points ("1.5个百分点" / "1.5 pp"); signed ("+12.5%") unless the caller
   * shows an arrow; "—" without a base to compare.
   */
  function change(d: number | undefined, signed = true, points = false): string {
    if (d === undefined || !Number.isFinite(d)) return '—'
    const pct = Math.abs(d * 100)
    const sign = !signed || d === 0 ? '' : d > 0 ? '+' : '−'
    if (points) return `${sign}${t('trends.points', { n: pct.toFixed(1) })}`
    return `${sign}${pct >= 100 ? Math.round(pct) : pct.toFixed(1)}%`
  }

  function month(m: Month, withYear = true): string {
    const [y, mm] = m.split('-').map(Number) as [number, number]
    return t(withYear ? 'trends.month' : 'trends.monthShort', { y, m: mm, mon: EN_MONTHS[mm - 1] ?? String(mm) })
  }

  return { figure, change, duration, month }
}
