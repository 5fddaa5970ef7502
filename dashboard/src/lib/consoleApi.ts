/** The SQL console's REST calls (server/routes/console.ts). */
import type { ConsoleHistoryEntry, ConsoleRequest, ConsoleResult, ConsoleTable, SavedQuery } from '@contracts/console'
import { apiFetch, apiRequest, ApiError, readJson } from './api.ts'

/** A query the server refused (its guard), as opposed to one the engine failed. */
export class QueryRefusedError extends ApiError {}

export async function runQuery(req: ConsoleRequest, signal?: AbortSignal): Promise<ConsoleResult> {
  const res = await apiFetch('/api/v1/sql', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(req), signal })
  if (res.status === 400) {
    const body = (await res.clone().json().catch(() => null)) as { error?: string; refused?: boolean } | null
    if (body?.refused) throw new QueryRefusedError(body.error ?? 'refused', 400)
  }
  return readJson<ConsoleResult>(res)
}

export const cancelQuery = (runId: string) => apiRequest<{ ok: true }>('/api/v1/sql/cancel', { method: 'POST', json: { runId } })
export const fetchSchema = () => apiRequest<{ tables: ConsoleTable[] }>('/api/v1/sql/schema')
export const fetchHistory = () => apiRequest<{ entries: ConsoleHistoryEntry[] }>('/api/v1/sql/history')
export const fetchSaved = () => apiRequest<{ saved: SavedQuery[] }>('/api/v1/sql/saved')
export const fetchSavedOne = (id: string) => apiRequest<SavedQuery>(`/api/v1/sql/saved/${encodeURIComponent(id)}`)
export const saveQuery = (name: string, query: string) => apiRequest<SavedQuery>('/api/v1/sql/saved', { method: 'POST', json: { name, query } })
export const deleteSaved = (id: string) => apiRequest<{ ok: true }>(`/api/v1/sql/saved/${encodeURIComponent(id)}`, { method: 'DELETE' })
