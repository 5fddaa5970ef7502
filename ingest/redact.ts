/**
 * Removes personal numbers from free text before it is stored (DESIGN §7): mainland mobile
 * numbers (with or without separators, +86 or 0086), landlines with an area code, and ID-card
 * numbers (18 digits, the last may be X, written whole or in 6-8-4 groups; or the old 15
 * digits). Digits may be full-width (１３８…), as Chinese input methods often type them.
 */
const D = '[0-9０-９]'
const SEP = '[\\s.\\-－]?'
const NOT_DIGIT_BEFORE = `(?<![0-9０-９])`
const NOT_DIGIT_AFTER = `(?![0-9０-９])`

const ID_CARD = new RegExp(
  `${NOT_DIGIT_BEFORE}(?:[1-9１-９]${D}{5}${SEP}(?:19|20|１９|２０)${D}{2}${D}{2}${D}{2}${SEP}${D}{3}[0-9０-９XxＸｘ]|[1-9１-９]${D}{14})(?![0-9０-９XxＸｘ])`,
  'g',
)
const MOBILE = new RegExp(`${NOT_DIGIT_BEFORE}(?:(?:\\+|＋|00|００)?(?:86|８６)${SEP})?[1１][3-9３-９]${D}(?:${SEP}${D}{4}){2}${NOT_DIGIT_AFTER}`, 'g')
const LANDLINE = new RegExp(`${NOT_DIGIT_BEFORE}[0０]${D}{2,3}${SEP}${D}{7,8}${NOT_DIGIT_AFTER}`, 'g')
/** Cheap pre-check: nothing to mask without seven digits in a row or digits around a separator. */
const MAYBE = new RegExp(`${D}{7}|${D}[\\s.\\-－]${D}`)

export const PHONE_MASK = '[电话已隐藏]'
export const ID_MASK = '[证件号已隐藏]'

export function redact(text: string): string {
  if (!MAYBE.test(text)) return text
  return text.replace(ID_CARD, ID_MASK).replace(MOBILE, PHONE_MASK).replace(LANDLINE, PHONE_MASK)
}

/**
 * Whether the UTF-8 text in `b[s..e)` might change under `redact`: false for sure when it holds
 * no digit at all (ASCII, or full-width: EF BC 90–99), which most notes don't; else redact's own
 * pre-check decides. The ingest hot path (fast-lines.ts) copies a note's bytes only when false.
 */
export function mayHoldNumbers(b: Uint8Array, s: number, e: number): boolean {
  for (let i = s; i < e; i++) {
    const c = b[i]!
    if ((c >= 0x30 && c <= 0x39) || (c === 0xef && i + 2 < e && b[i + 1] === 0xbc && b[i + 2]! >= 0x90 && b[i + 2]! <= 0x99)) {
      return MAYBE.test(Buffer.from(b.buffer, b.byteOffset + s, e - s).toString('utf8'))
    }
  }
  return false
}
