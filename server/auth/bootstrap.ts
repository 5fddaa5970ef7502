/**
 * First-start accounts and keys. The first admin gets GRIDPULSE_ADMIN_PASSWORD or a generated
 * password printed once (refused in production: a secret must come from the environment, not a
 * log). Demo mode adds clearly labelled demo users with documented passwords, never in
 * production, and a fresh kiosk display token each start so the printed wall link works.
 */
import { ConfigError, type Config } from '../config.ts'
import type { Scope } from '../contracts/live.ts'
import type { UserRole } from '../contracts/auth.ts'
import type { Registry } from '../../ingest/registry/registry.ts'
import { generatePassword } from './passwords.ts'
import { newSecret, type KeyStore } from './keys.ts'
import type { UserStore } from './users.ts'
import { isKnownScope } from './principal.ts'

/** Documented in the README; they exist only in demo mode and say so in their names. */
export const DEMO_PASSWORD = 'gridpulse-demo'
const DEMO_USERS: Array<{ username: string; displayName: string; role: UserRole; scope: Scope }> = [
  { username: 'demo-leader', displayName: '演示·大弯街道领导', role: 'leader', scope: 'street:qingbaijiang.dawan' },
  { username: 'demo-analyst', displayName: '演示·天府新区分析员', role: 'analyst', scope: 'district:tianfu' },
  { username: 'demo-admin', displayName: '演示·市级管理员', role: 'admin', scope: 'city' },
]

export interface FirstStart {
  /** Generated admin password, shown once. */
  adminPassword?: string
  /** Generated ingest key, shown once. */
  ingestKey?: string
  /** Demo mode: a kiosk display token made at this start. */
  kioskToken?: string
  demoUsers: Array<{ username: string; role: UserRole; scope: Scope }>
}

export async function bootstrapAccounts(config: Config, users: UserStore, keys: KeyStore, registry: Registry): Promise<FirstStart> {
  const out: FirstStart = { demoUsers: [] }
  if (users.size === 0) {
    if (!config.adminPassword && config.production) {
      throw new ConfigError('GRIDPULSE_ADMIN_PASSWORD', 'is required on first start in production (NODE_ENV=production): the first admin password must not come from a log')
    }
    const password = config.adminPassword ?? generatePassword()
    await users.create({ username: 'admin', displayName: 'Administrator', role: 'admin', scope: 'city', password })
    if (!config.adminPassword) out.adminPassword = password
  }

  // DESIGN §8: the env keys are created on first start only; later starts never overwrite a key
  // an admin may have rotated or revoked.
  if (config.ingestKey && !keys.exists('env-ingest')) {
    await keys.put({ id: 'env-ingest', kind: 'ingest', name: 'GRIDPULSE_INGEST_KEY', scope: 'city' }, config.ingestKey)
  } else if (!config.ingestKey && keys.count('ingest') === 0) {
    out.ingestKey = newSecret('ingest')
    await keys.put({ id: 'first-ingest', kind: 'ingest', name: 'first ingest key', scope: 'city' }, out.ingestKey)
  }
  if (config.displayToken && !keys.exists('env-display')) {
    await keys.put({ id: 'env-display', kind: 'display', name: 'GRIDPULSE_DISPLAY_TOKEN', scope: 'city' }, config.displayToken)
  }

  const demoAccounts = config.demo !== 'off' && !config.production
  if (!demoAccounts) {
    // Demo accounts have public passwords: once demo mode is off (or in production) they must
    // not work, whatever an earlier demo start left behind.
    for (const u of users.list()) if (u.demo && u.disabledAt === null) await users.update(u.id, { disabled: true })
    if (keys.get('demo-display')?.revokedAt === null) await keys.revoke('demo-display')
  }
  if (config.demo !== 'full' && keys.get('demo-simulator')?.revokedAt === null) await keys.revoke('demo-simulator')
  if (demoAccounts) {
    for (const d of DEMO_USERS) {
      if (!isKnownScope(registry, d.scope)) continue
      const existing = users.byUsername(d.username)
      if (!existing) await users.create({ ...d, password: DEMO_PASSWORD, demo: true })
      else if (existing.demo && existing.disabledAt !== null) await users.update(existing.id, { disabled: false })
      out.demoUsers.push({ username: d.username, role: d.role, scope: d.scope })
    }
    out.kioskToken = newSecret('display')
    await keys.put({ id: 'demo-display', kind: 'display', name: 'demo kiosk (demo mode)', scope: 'city' }, out.kioskToken)
  }
  return out
}
