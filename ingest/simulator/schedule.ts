/**
 * Report lifecycle events drawn in advance and waiting for their time: a binary min-heap by
 * instant. Ties pop in insertion order, so one report's steps never swap.
 */
import type { ReportRow } from './wire.ts'

interface Entry {
  at: number
  seq: number
  row: ReportRow
}

/** Waiting lifecycle steps by instant, with a count per report. */
export class Schedule {
  private readonly heap: Entry[] = []
  private seq = 0
  /** Reports with events still waiting, and how many; lets `resume` skip what is already scheduled. */
  private readonly waiting = new Map<string, number>()

  get size(): number {
    return this.heap.length
  }

  has(reportId: string): boolean {
    return this.waiting.has(reportId)
  }

  add(at: number, row: ReportRow): void {
    this.waiting.set(row.report_id, (this.waiting.get(row.report_id) ?? 0) + 1)
    const h = this.heap
    h.push({ at, seq: this.seq++, row })
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(h[i]!, h[p]!)) break
      swap(h, i, p)
      i = p
    }
  }

  /** Instant of the earliest waiting event, or Infinity. */
  peekAt(): number {
    return this.heap[0]?.at ?? Infinity
  }

  /** Removes and returns every event with `at` < `before`, in time order. */
  popBefore(before: number, into: ReportRow[]): void {
    const h = this.heap
    while (h.length > 0 && h[0]!.at < before) {
      const top = h[0]!
      const last = h.pop()!
      if (h.length > 0) {
        h[0] = last
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          const r = l + 1
          let m = i
          if (l < h.length && less(h[l]!, h[m]!)) m = l
          if (r < h.length && less(h[r]!, h[m]!)) m = r
          if (m === i) break
          swap(h, i, m)
          i = m
        }
      }
      const left = (this.waiting.get(top.row.report_id) ?? 1) - 1
      if (left <= 0) this.waiting.delete(top.row.report_id)
      else this.waiting.set(top.row.report_id, left)
      into.push(top.row)
    }
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

function swap(h: Entry[], i: number, j: number): void {
  const t = h[i]!
  h[i] = h[j]!
  h[j] = t
}
