/**
 * Localised labels for codes that come from the server. An unknown code shows as itself
 * rather than as a message key, so a new category added server-side is still readable.
 */
import { useI18n } from 'vue-i18n'
import type { ChildFigures, TickerItem } from '@contracts/live'

export function useLabels() {
  const { t, te, locale } = useI18n()
  const isEn = () => locale.value === 'en'
  const lookup = (group: string, code: string) => (te(`${group}.${code}`) ? t(`${group}.${code}`) : code)
  return {
    category: (code: string) => lookup('category', code),
    role: (code: string) => lookup('role', code),
    channel: (code: string) => lookup('channel', code),
    childName: (c: Pick<ChildFigures, 'name' | 'nameEn'>) => (isEn() && c.nameEn ? c.nameEn : c.name),
    place: (item: Pick<TickerItem, 'place' | 'placeEn'>) => (isEn() && item.placeEn ? item.placeEn : item.place),
  }
}
