/** Admin tabs; the current one lives in the URL hash so a reload (or the login detour) returns to it. */
export const ADMIN_TABS = ['users', 'keys', 'registry', 'sla', 'audit'] as const
export type AdminTab = (typeof ADMIN_TABS)[number]

export function tabFromHash(hash: string): AdminTab {
  const name = hash.replace(/^#/, '')
  return (ADMIN_TABS as readonly string[]).includes(name) ? (name as AdminTab) : 'users'
}
