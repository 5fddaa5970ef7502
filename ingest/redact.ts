/**
 * Removes personal numbers from free text before it is stored (DESIGN §7): mainland mobile
 * numbers (with or without separators or +86), landlines with an area code, and ID-card
 * numbers (18 digits, the last may be X; or the old 15 digits).
 */
const ID_CARD = /(?<![0-9])(?:[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]|[1-9]\d{14})(?![0-9Xx])/g
const MOBILE = /(?<![0-9])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?![0-9])/g
const LANDLINE = /(?<![0-9])0\d{2,3}[\s-]?\d{7,8}(?![0-9])/g

export const PHONE_MASK = '[电话已隐藏]'
export const ID_MASK = '[证件号已隐藏]'

export function redact(text: string): string {
  if (!/\d{7}|\d[\s-]\d/.test(text)) return text
  return text.replace(ID_CARD, ID_MASK).replace(MOBILE, PHONE_MASK).replace(LANDLINE, PHONE_MASK)
}
