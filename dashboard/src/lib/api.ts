/** Same-origin REST calls carrying the kiosk display token, when the page has one. */
import { tokenFromUrl } from './urlState.ts'

export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers)
  const token = tokenFromUrl()
  if (token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${token}`)
  headers.set('Accept', 'application/json')
  return fetch(path, { ...init, headers })
}
