/**
 * Who is signed in. Loaded lazily by the pages that care (never on a kiosk, whose display
 * token speaks for it), and kept after sign-in so the next page does not ask again.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { SessionInfo, SignIn } from '@contracts/auth'
import { fetchSession, signIn as postSignIn, signOut as deleteSession } from '../lib/api.ts'

export type SessionUser = NonNullable<SessionInfo['user']>

export const useSessionStore = defineStore('session', () => {
  const info = shallowRef<SessionInfo | null>(null)
  const user = computed<SessionUser | null>(() => info.value?.user ?? null)
  const isAdmin = computed(() => user.value?.role === 'admin')
  /** True once the server has answered at least once (signed in or not). */
  const known = computed(() => info.value !== null)
  const signingOut = ref(false)

  /** The cached answer unless `force`; throws (ApiError or network) when the server can't say. */
  async function load(opts: { force?: boolean } = {}): Promise<SessionInfo> {
    if (info.value && !opts.force) return info.value
    info.value = await fetchSession()
    return info.value
  }

  async function signIn(body: SignIn): Promise<SessionInfo> {
    info.value = await postSignIn(body)
    return info.value
  }

  async function signOut(): Promise<void> {
    signingOut.value = true
    try {
      await deleteSession()
      info.value = { user: null, csrfToken: null }
    } finally {
      signingOut.value = false
    }
  }

  return { info, user, isAdmin, known, signingOut, load, signIn, signOut }
})
