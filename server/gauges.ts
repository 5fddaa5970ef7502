/** A gauge read when /metrics is scraped, not kept up to date by the code it watches. */
import { Gauge, type Registry as MetricsRegistry } from 'prom-client'

export function readGauge(registry: MetricsRegistry, name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read())
    },
  })
}
