/** Changing scope is a URL change plus a re-subscribe — never a page reload. */
import type { LiveSnapshot, Scope } from '@contracts/live'
import { useLiveStore } from '../stores/live.ts'
import { pushScopeToUrl } from '../lib/urlState.ts'

export function useScopeNavigation() {
  const store = useLiveStore()

  function goTo(scope: Scope): void {
    pushScopeToUrl(scope)
    store.setScope(scope)
  }

  /** Grids are not a scope of the live protocol, so a community's children do not drill. */
  function canDrill(level: LiveSnapshot['childLevel'] | null | undefined): level is 'district' | 'street' | 'community' {
    return level === 'district' || level === 'street' || level === 'community'
  }

  function drill(level: LiveSnapshot['childLevel'] | null | undefined, code: string | undefined): void {
    if (canDrill(level) && code) goTo(`${level}:${code}`)
  }

  return { goTo, canDrill, drill }
}
