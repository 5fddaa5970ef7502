/**
 * zh-CN by default; `?lang=en` switches and is remembered in localStorage, because a kiosk
 * rebooted without its query string should come back in the language it was set up with.
 */
import { createI18n } from 'vue-i18n'
import zhCN from './zh-CN.ts'
import en from './en.ts'
import mapPart from './parts/map.ts'
import visitsPart from './parts/visits.ts'
import trendsPart from './parts/trends.ts'
import consolePart from './parts/console.ts'
import { langFromUrl } from '../lib/urlState.ts'

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

const STORAGE_KEY = 'gridpulse.lang'

function normalise(raw: string | null | undefined): Locale | null {
  if (!raw) return null
  const lower = raw.toLowerCase()
  if (lower.startsWith('en')) return 'en'
  if (lower.startsWith('zh')) return 'zh-CN'
  return null
}

function readStored(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY)
  } catch {
    return null // storage disabled (private mode, locked-down kiosk)
  }
}

export function persistLocale(locale: Locale): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    /* not persisted; the URL still carries it */
  }
  document.documentElement.lang = locale
}

export function initialLocale(): Locale {
  const fromUrl = normalise(langFromUrl())
  if (fromUrl) persistLocale(fromUrl)
  return fromUrl ?? normalise(readStored()) ?? 'zh-CN'
}

/** A panel's own strings live in parts/ (both locales side by side) and join the messages here. */
const PARTS: ReadonlyArray<{ 'zh-CN': object; en: object }> = [mapPart, visitsPart, trendsPart, consolePart]

function withParts<T extends object>(base: T, locale: Locale): T {
  return Object.assign({}, base, ...PARTS.map((p) => p[locale])) as T
}

export function createWallI18n() {
  const locale = initialLocale()
  document.documentElement.lang = locale
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages: { 'zh-CN': withParts(zhCN, 'zh-CN'), en: withParts(en, 'en') },
    // Unknown categories/roles fall back to the raw code on purpose; don't warn about them.
    missingWarn: false,
    fallbackWarn: false,
  })
}
