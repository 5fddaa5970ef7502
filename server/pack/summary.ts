/**
 * The bulletin's summary in plain words (总体情况), written from the figures: volume with 环比
 * and 同比, the handling (on-time closure, rework, overrun, response and resolution times),
 * weekly visit coverage, the mobile workers' share, which units lead and lag, the year to
 * date. A clause whose figure has no base (no closures, no key households) is left out rather
 * than written as 0. Pure.
 */
import { MEASURES, RANKING_MIN_VOLUME, change } from '../contracts/trendMeasures.ts'
import type { TrendsReport } from '../contracts/trends.ts'
import { categoryName, type Words } from './labels.ts'
import { unitRows } from './tables.ts'

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'
  return `${n}${s}`
}

/** A relative change in words: 增长12.3% / up 12.3%; `shorter` for times (缩短/延长). */
function rel(w: Words, v: number | undefined, times = false): string | undefined {
  if (v === undefined) return undefined
  const pct = `${Math.abs(v * 100).toFixed(1)}%`
  if (Math.abs(v) < 0.0005) return w.lang === 'en' ? 'unchanged' : '持平'
  if (w.lang === 'en') return `${v > 0 ? (times ? 'longer by' : 'up') : times ? 'shorter by' : 'down'} ${pct}`
  return `${v > 0 ? (times ? '延长' : '增长') : times ? '缩短' : '下降'}${pct}`
}

/** A change of a rate in percentage points: 提高1.5个百分点 / up 1.5 pp. */
function pts(w: Words, now: number | undefined, base: number | undefined): string | undefined {
  if (now === undefined || base === undefined) return undefined
  const d = (now - base) * 100
  if (Math.abs(d) < 0.05) return w.lang === 'en' ? 'unchanged' : '持平'
  const n = Math.abs(d).toFixed(1)
  return w.lang === 'en' ? `${d > 0 ? 'up' : 'down'} ${n} pp` : `${d > 0 ? '提高' : '下降'}${n}个百分点`
}

/** The paragraphs of 总体情况, in the report's language. */
export function summaryParagraphs(report: TrendsReport, w: Words): string[] {
  const en = w.lang === 'en'
  const m = report.months[report.months.length - 1]!
  const name = w.nameOf(report)
  // The current month is not over: say so, or a half month reads as a collapse against the last.
  const asOf = new Intl.DateTimeFormat('en-CA', { timeZone: report.tz, year: 'numeric', month: '2-digit', day: 'numeric' }).formatToParts(new Date(report.asOf))
  const part = (t: string) => asOf.find((p) => p.type === t)?.value ?? ''
  const partial = `${part('year')}-${part('month')}` === m.month
  const month = w.monthLong(m.month) + (partial ? (en ? ` (to the ${ordinal(Number(part('day')))})` : `（截至${Number(part('day'))}日）`) : '')
  const out: string[] = []
  const v = (k: keyof typeof MEASURES, f = m as typeof m | typeof m.prev) => MEASURES[k].value(f)

  // Volume.
  const mom = rel(w, change(m.reported, m.prev.reported))
  const yoy = rel(w, change(m.reported, m.lastYear.reported))
  const top = Object.entries(m.categories)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 3)
    .map(([c, n]) => (en ? `${categoryName(w, c).toLowerCase()} (${w.count(n)})` : `${categoryName(w, c)}（${w.count(n)}件）`))
  if (m.reported === 0) out.push(en ? `In ${month}, ${name} received no grid reports.` : `${month}，${name}暂无网格事件上报。`)
  else {
    const head = en
      ? `In ${month}, ${name} received ${w.count(m.reported)} grid reports${mom ? `, ${mom} on the month before` : ''}${yoy ? ` and ${yoy} on the same month last year` : ''}.`
      : `${month}，${name}共受理网格事件${w.count(m.reported)}件${mom ? `，环比${mom}` : ''}${yoy ? `，同比${yoy}` : ''}。`
    const mobile = en
      ? ` Mobile grid workers (couriers and delivery riders) made ${w.count(m.mobile)} of them (${w.percent(v('mobileShare')!)}).`
      : `其中流动微网格员（快递、外卖骑手）上报${w.count(m.mobile)}件，占${w.percent(v('mobileShare')!)}。`
    const cats = top.length ? (en ? ` The most frequent categories were ${top.join(', ')}.` : `高发类别为${top.join('、')}。`) : ''
    out.push(head + mobile + cats)
  }

  // Handling.
  const handling: string[] = []
  const onTime = v('onTimeClosure')
  if (onTime !== undefined) {
    const d = pts(w, onTime, v('onTimeClosure', m.prev))
    handling.push(
      en
        ? `${w.count(m.closed)} reports were closed, ${w.percent(onTime)} of them on time${d ? ` (${d} on the month before)` : ''}`
        : `结案${w.count(m.closed)}件，按期结案率${w.percent(onTime)}${d ? `，较上月${d}` : ''}`,
    )
    const rework = v('reworkRate')!
    handling.push(en ? `${w.count(m.reopened)} were reopened (rework rate ${w.percent(rework)})` : `返工${w.count(m.reopened)}件，返工率${w.percent(rework)}`)
  } else if (m.reported > 0) handling.push(en ? 'no report was closed' : '本月无结案')
  const overrun = v('extensionRate')
  if (overrun !== undefined) {
    handling.push(
      en
        ? `of ${w.count(m.resolved)} resolved, ${w.count(m.overran)} ran past their deadline (overrun rate ${w.percent(overrun)})`
        : `办结${w.count(m.resolved)}件，其中超过处置时限${w.count(m.overran)}件，延期率${w.percent(overrun)}`,
    )
  }
  if (handling.length) out.push(en ? `${handling.join('; ').replace(/^./, (c) => c.toUpperCase())}.` : `${handling.join('；')}。`)

  const times: string[] = []
  if (m.verifyP50 !== undefined) {
    const d = rel(w, change(m.verifyP50, m.prev.verifyP50), true)
    times.push(en ? `the median response (report to verification) took ${w.duration(m.verifyP50)}${d ? `, ${d} than the month before` : ''}` : `核实响应时长中位数${w.duration(m.verifyP50)}${d ? `，较上月${d}` : ''}`)
  }
  if (m.resolveP50 !== undefined) {
    const d = rel(w, change(m.resolveP50, m.prev.resolveP50), true)
    const p90 = m.resolveP90 !== undefined ? (en ? ` (90% within ${w.duration(m.resolveP90)})` : `（P90为${w.duration(m.resolveP90)}）`) : ''
    times.push(en ? `the median resolution took ${w.duration(m.resolveP50)}${p90}${d ? `, ${d} than the month before` : ''}` : `办结时长中位数${w.duration(m.resolveP50)}${p90}${d ? `，较上月${d}` : ''}`)
  }
  if (times.length) out[out.length - 1] += en ? ` ${times.join('; ').replace(/^./, (c) => c.toUpperCase())}.` : `${times.join('；')}。`

  // Visits.
  const coverage = v('coverage')
  if (coverage !== undefined) {
    const d = pts(w, coverage, v('coverage', m.prev))
    out.push(
      en
        ? `Key-population visits: ${w.count(m.visited)} of ${w.count(m.keyHouseholds)} key households were visited in an average week, a weekly coverage of ${w.percent(coverage)}${d ? ` (${d} on the month before)` : ''}.`
        : `重点人群走访：重点人群${w.count(m.keyHouseholds)}户，周均走访${w.count(m.visited)}户，周走访覆盖率${w.percent(coverage)}${d ? `，较上月${d}` : ''}。`,
    )
  }

  // Units: who leads, who lags.
  const rows = unitRows(report)
  const ranked = rows.filter((r) => r.onTime.rank !== undefined)
  const unranked = rows.length - ranked.length
  if (ranked.length >= 2) {
    const fmt = (r: (typeof rows)[number]) => `${w.nameOf(r.unit)}${en ? ` (${w.percent(r.onTime.value!)})` : `（${w.percent(r.onTime.value!)}）`}`
    const lead = ranked.slice(0, Math.min(3, Math.ceil(ranked.length / 2))).map(fmt)
    const lastRank = ranked[ranked.length - 1]!.onTime.rank
    const lag = ranked.filter((r) => r.onTime.rank === lastRank && r.onTime.rank !== 1).map(fmt)
    const levels = w.levels[report.childLevel]
    out.push(
      en
        ? `${levels} on on-time closure: ${lead.join(', ')} led${lag.length ? `; ${lag.join(', ')} came last` : ''}${unranked ? `; ${unranked === 1 ? '1 unit' : `${unranked} units`} with fewer than ${RANKING_MIN_VOLUME} closures ${unranked === 1 ? 'was' : 'were'} not ranked` : ''}.`
        : `${levels}按期结案率排名前列的是${lead.join('、')}${lag.length ? `；排名靠后的是${lag.join('、')}` : ''}${unranked ? `；${unranked}个单位结案不足${RANKING_MIN_VOLUME}件，未参评` : ''}。`,
    )
  }

  // Year to date.
  const y = report.ytd
  if (y.current.reported > 0 || y.lastYear.reported > 0) {
    const span = w.monthSpan(y.from, y.to)
    const d = rel(w, change(y.current.reported, y.lastYear.reported))
    const ot = MEASURES.onTimeClosure.value(y.current)
    const otd = pts(w, ot, MEASURES.onTimeClosure.value(y.lastYear))
    out.push(
      en
        ? `Year to date (${span}): ${w.count(y.current.reported)} reports${d ? `, ${d} on the same period last year` : ''}${ot !== undefined ? `; on-time closure ${w.percent(ot)}${otd ? ` (${otd})` : ''}` : ''}.`
        : `${span}累计受理${w.count(y.current.reported)}件${d ? `，同比${d}` : ''}${ot !== undefined ? `；累计按期结案率${w.percent(ot)}${otd ? `，同比${otd}` : ''}` : ''}。`,
    )
  }
  return out
}
