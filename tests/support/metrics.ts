/** Reads GET /metrics (Prometheus text) into series → value, e.g. `name{label="x"}` → 3. */
import { expect } from 'vitest'

export async function scrapeMetrics(baseUrl: string, token?: string): Promise<Map<string, number>> {
  const res = await fetch(`${baseUrl}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  expect(res.status).toBe(200)
  const out = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const i = line.lastIndexOf(' ')
    out.set(line.slice(0, i), Number(line.slice(i + 1)))
  }
  return out
}
