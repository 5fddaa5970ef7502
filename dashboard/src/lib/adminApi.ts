/**
 * The admin API (issue 3), one function per route, so the admin components never spell a URL.
 * Shapes come from `@contracts/auth`.
 */
import type { AuditEntry, KeyInput, KeySecret, KeyView, SlaSettings, UserInput, UserPatch, UserView } from '@contracts/auth'
import type { Place } from '@contracts/registry'
import { apiRequest } from './api.ts'

export type { SlaSettings, UserPatch }

const ADMIN = '/api/v1/admin'
const id = (s: string) => encodeURIComponent(s)

export const listUsers = async () => (await apiRequest<{ users: UserView[] }>(`${ADMIN}/users`)).users
export const createUser = (input: UserInput) => apiRequest<UserView>(`${ADMIN}/users`, { method: 'POST', json: input })
export const patchUser = (userId: string, patch: UserPatch) => apiRequest<UserView>(`${ADMIN}/users/${id(userId)}`, { method: 'PATCH', json: patch })

export const listKeys = async () => (await apiRequest<{ keys: KeyView[] }>(`${ADMIN}/keys`)).keys
export const createKey = (input: KeyInput) => apiRequest<KeySecret>(`${ADMIN}/keys`, { method: 'POST', json: input })
export const revokeKey = (keyId: string) => apiRequest<KeyView>(`${ADMIN}/keys/${id(keyId)}/revoke`, { method: 'POST' })
export const rotateKey = (keyId: string) => apiRequest<KeySecret>(`${ADMIN}/keys/${id(keyId)}/rotate`, { method: 'POST' })

export const importRegistry = async (csv: Blob) =>
  (await apiRequest<{ places: number }>(`${ADMIN}/registry`, { method: 'POST', body: csv, contentType: 'text/csv' })).places

export const getSla = async () => (await apiRequest<{ sla: SlaSettings }>(`${ADMIN}/sla`)).sla
export const putSla = async (sla: SlaSettings) => (await apiRequest<{ sla: SlaSettings }>(`${ADMIN}/sla`, { method: 'PUT', json: { sla } })).sla

export const listAudit = async (limit: number) => (await apiRequest<{ entries: AuditEntry[] }>(`${ADMIN}/audit?limit=${limit}`)).entries

export const listPlaces = async () => (await apiRequest<{ places: Place[] }>('/api/v1/registry')).places
