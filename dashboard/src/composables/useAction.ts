/**
 * One admin action at a time per section: `busy` for the buttons, `error` for the section's
 * alert with the server's own words. A 401 means the session ended (expired, revoked, signed
 * out elsewhere): the form is useless then, so go to the login page and come back after.
 */
import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { ApiError } from '../lib/api.ts'
import { goToLogin } from './usePage.ts'

export function useAction() {
  const { t } = useI18n()
  const busy = ref(false)
  const error = ref<string | null>(null)

  /** True when `fn` finished; false when it failed (the error is shown) or another run is on. */
  async function run(fn: () => Promise<void>): Promise<boolean> {
    if (busy.value) return false
    busy.value = true
    error.value = null
    try {
      await fn()
      return true
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) goToLogin()
      else error.value = e instanceof ApiError ? e.message : t('page.network')
      return false
    } finally {
      busy.value = false
    }
  }

  return { busy, error, run }
}
