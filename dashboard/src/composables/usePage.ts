/**
 * The current page as reactive state. In-app links push history entries instead of reloading,
 * so going from the wall to the admin page and back keeps the bundle (and the language) loaded.
 */
import { computed, ref } from 'vue'
import { currentPath, loginPath, pageOf } from '../lib/navigation.ts'

const pathname = ref(window.location.pathname)

// Back/forward: the URL changed under us; registered once for the life of the page.
window.addEventListener('popstate', () => {
  pathname.value = window.location.pathname
})

export const page = computed(() => pageOf(pathname.value))

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) window.history.replaceState(null, '', to)
  else window.history.pushState(null, '', to)
  pathname.value = window.location.pathname
}

/**
 * Not signed in (or the session was revoked): to the login page, which brings the visitor back
 * here afterwards. Replaces the entry, so Back does not land on a page that bounces again.
 */
export function goToLogin(): void {
  navigate(loginPath(currentPath()), { replace: true })
}
