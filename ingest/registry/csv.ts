/**
 * Reads a registry from CSV (header row required):
 *   code,level,parent,name,name_en,households,key_households,lat,lon
 * `households`/`key_households` may be empty above micro-grid level: they are summed from the
 * children. Errors name the line and the column.
 */
import { PLACE_LEVELS, type Place, type PlaceLevel } from '../../server/contracts/registry.ts'

const COLUMNS = ['code', 'level', 'parent', 'name', 'name_en', 'households', 'key_households', 'lat', 'lon'] as const

export class RegistryCsvError extends Error {}

/** RFC 4180 fields: quotes, doubled quotes, commas and newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  const src = text.replace(/^\uFEFF/, '')
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"'
          i++
        } else quoted = false
      } else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++
      row.push(field)
      field = ''
      if (row.some((f) => f !== '')) rows.push(row)
      row = []
    } else field += ch
  }
  row.push(field)
  if (row.some((f) => f !== '')) rows.push(row)
  return rows
}

const PARENT_LEVEL: Record<PlaceLevel, PlaceLevel | null> = {
  city: null,
  district: 'city',
  street: 'district',
  community: 'street',
  grid: 'community',
  micro_grid: 'grid',
}

export function registryFromCsv(text: string): Place[] {
  const [header, ...body] = parseCsv(text)
  if (!header) throw new RegistryCsvError('the CSV is empty')
  const col = new Map(header.map((h, i) => [h.trim(), i]))
  for (const c of COLUMNS) if (!col.has(c)) throw new RegistryCsvError(`the header has no "${c}" column (need: ${COLUMNS.join(',')})`)
  const get = (r: string[], c: (typeof COLUMNS)[number]) => (r[col.get(c)!] ?? '').trim()

  const places: Place[] = []
  const byCode = new Map<string, Place>()
  body.forEach((r, i) => {
    const line = i + 2
    const fail = (c: string, msg: string): never => {
      throw new RegistryCsvError(`line ${line}, column ${c}: ${msg}`)
    }
    const code = get(r, 'code')
    if (!/^[A-Za-z0-9._-]{1,128}$/.test(code)) fail('code', `"${code}" must be 1–128 of A–Z a–z 0–9 . _ -`)
    if (byCode.has(code)) fail('code', `"${code}" appears twice`)
    const level = get(r, 'level') as PlaceLevel
    if (!PLACE_LEVELS.includes(level)) fail('level', `"${level}" must be one of ${PLACE_LEVELS.join(', ')}`)
    const parent = get(r, 'parent')
    const want = PARENT_LEVEL[level]
    if (want === null) {
      if (parent !== '') fail('parent', 'the city has no parent')
    } else {
      const p = byCode.get(parent)
      if (!p) fail('parent', `"${parent}" is not a place listed above this line`)
      else if (p.level !== want) fail('parent', `a ${level}'s parent must be a ${want}, "${parent}" is a ${p.level}`)
    }
    const name = get(r, 'name')
    if (!name) fail('name', 'must not be empty')
    const numberIn = (c: 'households' | 'key_households' | 'lat' | 'lon', min: number, max: number, optional: boolean): number => {
      const raw = get(r, c)
      if (raw === '' && optional) return 0
      const n = Number(raw)
      if (raw === '' || !Number.isFinite(n) || n < min || n > max) fail(c, `"${raw}" must be a number from ${min} to ${max}`)
      return n
    }
    const micro = level === 'micro_grid'
    const place: Place = {
      code,
      level,
      parent,
      name,
      nameEn: get(r, 'name_en') || name,
      households: Math.round(numberIn('households', 0, 10_000_000, !micro)),
      keyHouseholds: Math.round(numberIn('key_households', 0, 10_000_000, !micro)),
      lat: numberIn('lat', -90, 90, false),
      lon: numberIn('lon', -180, 180, false),
    }
    if (place.keyHouseholds > place.households && micro) fail('key_households', 'must not exceed households')
    places.push(place)
    byCode.set(code, place)
  })
  if (!places.some((p) => p.level === 'city')) throw new RegistryCsvError('the registry needs one place of level city')
  sumUpwards(places)
  return places
}

/** Households above micro-grid level are the sum of their children's (children listed after parents). */
export function sumUpwards(places: Place[]): void {
  const byCode = new Map(places.map((p) => [p.code, p]))
  const summed = new Set<string>()
  for (let i = places.length - 1; i >= 0; i--) {
    const p = places[i]!
    const parent = byCode.get(p.parent)
    if (!parent) continue
    if (!summed.has(parent.code)) {
      summed.add(parent.code)
      parent.households = 0
      parent.keyHouseholds = 0
    }
    parent.households += p.households
    parent.keyHouseholds += p.keyHouseholds
  }
}

const csvField = (v: string | number) => {
  const s = String(v)
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The registry in the import format (header + one line per place, parents first). */
export function registryToCsv(places: readonly Place[]): string {
  const lines = [COLUMNS.join(',')]
  for (const p of places) {
    lines.push([p.code, p.level, p.parent, p.name, p.nameEn, p.households, p.keyHouseholds, p.lat, p.lon].map(csvField).join(','))
  }
  return `${lines.join('\n')}\n`
}
