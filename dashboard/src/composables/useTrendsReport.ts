/**
 * The trends report of the page's current query. Only the answer to the latest request is
 * kept: picking months quickly or pressing Back twice must not let an older, slower answer
 * overwrite the view. While a new one loads, the old report stays (shown dimmed).
 */
import { ref, shallowRef } from 'vue'
import type { TrendsReport } from '@contracts/trends'
import { ApiError, apiFetch, readJson } from '../lib/api.ts'
import { trendsApiPath, type TrendsQuery } from '../lib/trends.ts'

export interface TrendsFailure {
  /** HTTP status; 0 when the server could not be reached. */
  status: number
  message: string
}

export function useTrendsReport() {
  const report = shallowRef<TrendsReport | null>(null)
  const loading = ref(false)
  const error = shallowRef<TrendsFailure | null>(null)
  let current: AbortController | null = null

  async function load(q: TrendsQuery): Promise<void> {
    current?.abort()
    const mine = new AbortController()
    current = mine
    loading.value = true
    try {
      const res = await apiFetch(trendsApiPath(q), { signal: mine.signal })
      const body = await readJson<TrendsReport>(res)
      if (current !== mine) return
      report.value = body
      error.value = null
    } catch (e) {
      if (current !== mine) return
      // A refusal replaces the figures: showing the last scope's under a refused one would mislead.
      report.value = null
      error.value = e instanceof ApiError ? { status: e.status, message: e.message } : { status: 0, message: e instanceof Error ? e.message : String(e) }
    } finally {
      if (current === mine) {
        loading.value = false
        current = null
      }
    }
  }

  function stop(): void {
    current?.abort()
    current = null
  }

  return { report, loading, error, load, stop }
}
