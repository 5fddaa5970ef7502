/**
 * The place registry for scope pickers and for showing a scope by name. Loaded once per page
 * (it is the same for every section) and reloaded after an import replaces it.
 */
import { computed, shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { parseScope, type Scope, type ScopeLevel } from '@contracts/live'
import type { Place } from '@contracts/registry'
import { listPlaces } from '../lib/adminApi.ts'

export type PickLevel = Exclude<ScopeLevel, 'city'>
export const PICK_LEVELS: readonly PickLevel[] = ['district', 'street', 'community']

const places = shallowRef<Place[] | null>(null)
/** Set when the registry could not be read; pickers then fall back to typing a scope. */
const failed = shallowRef(false)
let loading: Promise<void> | null = null
/** Shared by every picker and table row, so a long user list does not build one map per row. */
const byCode = computed(() => new Map((places.value ?? []).map((p) => [p.code, p])))

function load(): Promise<void> {
  loading ??= listPlaces()
    .then((p) => {
      places.value = p
      failed.value = false
    })
    .catch(() => {
      failed.value = true
      loading = null // allow a later retry
    })
  return loading
}

/** After a registry import: names and codes may have changed. */
export function reloadRegistry(): Promise<void> {
  loading = null
  return load()
}

export function useRegistry() {
  const { t, locale } = useI18n()
  void load()

  const name = (p: Place) => (locale.value === 'en' && p.nameEn ? p.nameEn : p.name)

  /** "Parent › Place" so two communities of the same name in different streets can be told apart. */
  function optionLabel(p: Place): string {
    const parent = byCode.value.get(p.parent)
    return parent && parent.level !== 'city' ? `${name(parent)} › ${name(p)}` : name(p)
  }

  function optionsFor(level: PickLevel): Array<{ code: string; label: string }> {
    return (places.value ?? [])
      .filter((p) => p.level === level)
      .map((p) => ({ code: p.code, label: optionLabel(p) }))
      .sort((a, b) => a.label.localeCompare(b.label, locale.value))
  }

  /** A scope as people say it: "Street · Dawan"; the raw scope when the registry lacks it. */
  function scopeLabel(scope: Scope | string): string {
    const parsed = parseScope(scope)
    if (!parsed) return scope
    const levelName = t(`admin.scope.levels.${parsed.level}`)
    if (parsed.level === 'city') return levelName
    const p = byCode.value.get(parsed.code)
    return p ? `${levelName} · ${name(p)}` : scope
  }

  return {
    ready: computed(() => places.value !== null),
    failed: computed(() => failed.value),
    optionsFor,
    scopeLabel,
  }
}
