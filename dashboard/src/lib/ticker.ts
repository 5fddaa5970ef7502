import type { TickerItem } from '@contracts/live'

export const TICKER_MAX = 30

/**
 * Items pushed by `live:report` since the last snapshot go on top; the snapshot's own ticker
 * (which patches may also refresh) follows. A report seen on both paths is shown once.
 */
export function mergeTicker(pushed: readonly TickerItem[], fromSnapshot: readonly TickerItem[]): TickerItem[] {
  const seen = new Set<string>()
  const out: TickerItem[] = []
  for (const item of [...pushed, ...fromSnapshot]) {
    if (seen.has(item.reportId)) continue
    seen.add(item.reportId)
    out.push(item)
    if (out.length === TICKER_MAX) break
  }
  return out
}
