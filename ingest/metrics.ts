/**
 * Ingest's Prometheus metrics (served at `GET /metrics`). One registry per GridPulse instance,
 * never prom-client's global one, so several instances in one process (tests) don't collide.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { EventKind } from './schema.ts'

/** Upper bounds (seconds) of the arrival-lag histogram buckets; +Inf follows. */
export const LAG_BUCKETS = [1, 5, 30, 60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400]

export class IngestMetrics {
  readonly accepted: Counter<'stream'>
  readonly duplicates: Counter<'stream'>
  readonly rejected: Counter<'stream' | 'reason'>
  readonly refused: Counter<'status' | 'why'>
  readonly arrivalLag: BulkHistogram
  readonly flushSeconds: Histogram<'stream'>
  readonly storedRows: Counter<'stream'>
  readonly storeErrors: Counter<'stream'>
  readonly deadLetterRows: Counter<'stream'>

  constructor(
    readonly registry: Registry,
    spool: (stream: EventKind) => { rows: number; bytes: number; ageMs: number; failures: number },
  ) {
    const registers = [registry]
    this.accepted = new Counter({ name: 'gridpulse_ingest_accepted_events_total', help: 'Events acknowledged (durable in the spool)', labelNames: ['stream'], registers })
    this.duplicates = new Counter({ name: 'gridpulse_ingest_duplicate_events_total', help: 'Resent events answered as duplicates, not written again', labelNames: ['stream'], registers })
    this.rejected = new Counter({ name: 'gridpulse_ingest_rejected_events_total', help: 'Rows refused, by reason', labelNames: ['stream', 'reason'], registers })
    this.refused = new Counter({ name: 'gridpulse_ingest_refused_requests_total', help: 'Requests refused whole: 408 a body that stalled, 413 too large, 415 an unknown encoding, 429 busy, 503 spool full or failing', labelNames: ['status', 'why'], registers })
    this.arrivalLag = new BulkHistogram('gridpulse_ingest_arrival_lag_seconds', 'received_at − at of accepted events (late and backfilled events land in the high buckets)', LAG_BUCKETS)
    registry.registerMetric(this.arrivalLag as never)
    this.flushSeconds = new Histogram({ name: 'gridpulse_ingest_flush_seconds', help: 'Time to store one spooled batch, retries included', labelNames: ['stream'], buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers })
    this.storedRows = new Counter({ name: 'gridpulse_ingest_stored_events_total', help: 'Events moved from the spool into the store', labelNames: ['stream'], registers })
    this.storeErrors = new Counter({ name: 'gridpulse_ingest_store_errors_total', help: 'Failed inserts of spooled batches (each retried)', labelNames: ['stream'], registers })
    this.deadLetterRows = new Counter({ name: 'gridpulse_ingest_dead_letter_rows_total', help: 'Rows the store refused for their content, kept in the dead-letter file', labelNames: ['stream'], registers })
    const streams: EventKind[] = ['reports', 'visits']
    const gauge = (name: string, help: string, read: (s: ReturnType<typeof spool>) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['stream'],
        registers,
        collect() {
          for (const s of streams) this.set({ stream: s }, read(spool(s)))
        },
      })
    gauge('gridpulse_ingest_spool_rows', 'Acknowledged events waiting in the spool for the store', (s) => s.rows)
    gauge('gridpulse_ingest_spool_bytes', 'Bytes waiting in the spool', (s) => s.bytes)
    gauge('gridpulse_ingest_spool_oldest_age_seconds', 'Age of the oldest event waiting in the spool', (s) => s.ageMs / 1000)
    gauge('gridpulse_ingest_store_failing_attempts', 'Consecutive failed attempts to store the current batch (0: healthy)', (s) => s.failures)
  }
}

/**
 * A histogram that takes a request's worth of values in one call (prom-client's Histogram
 * observes one at a time, with a label lookup each). Printed by the registry like any histogram.
 */
export class BulkHistogram {
  readonly type = 'histogram'
  private readonly series = new Map<string, { counts: number[]; sum: number }>()

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {}

  /** Observes many values at once. */
  observeAll(stream: string, values: Iterable<number>): void {
    let s = this.series.get(stream)
    if (!s) this.series.set(stream, (s = { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0 }))
    for (const v of values) {
      let i = 0
      while (i < this.buckets.length && v > this.buckets[i]!) i++
      s.counts[i]!++
      s.sum += v
    }
  }

  get(): { name: string; help: string; type: string; values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> } {
    const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = []
    for (const [stream, s] of this.series) {
      let cumulative = 0
      s.counts.forEach((c, i) => {
        cumulative += c
        values.push({ metricName: `${this.name}_bucket`, labels: { stream, le: i < this.buckets.length ? this.buckets[i]! : '+Inf' }, value: cumulative })
      })
      values.push({ metricName: `${this.name}_sum`, labels: { stream }, value: s.sum })
      values.push({ metricName: `${this.name}_count`, labels: { stream }, value: cumulative })
    }
    return { name: this.name, help: this.help, type: this.type, values }
  }

  reset(): void {
    this.series.clear()
  }
}
