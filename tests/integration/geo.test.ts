/**
 * `GET /api/v1/geo`: the map's boundaries per scope, from a real GridPulse with the demo
 * registry (whose boundaries it generates at start) in embedded ClickHouse.
 *
 * Fixture (beforeAll): the test app; `dawanToken`, a display token scoped to
 * street:qingbaijiang.dawan, made through the admin API by the first admin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { GeoFeatureCollection, Position } from '../../server/contracts/geo.ts'
import { saveBoundaries } from '../../ingest/registry/boundary-store.ts'
import { scopeCollection } from '../../server/geo.ts'
import { ADMIN_PASSWORD, DISPLAY_TOKEN, INGEST_KEY, signIn, startTestApp, type TestApp } from '../support/app.ts'

const DAWAN = 'qingbaijiang.dawan'
let app: TestApp
let dawanToken: string

beforeAll(async () => {
  app = await startTestApp()
  const admin = await signIn(app.url, 'admin', ADMIN_PASSWORD)
  const res = await fetch(`${app.url}/api/v1/admin/keys`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'display', name: 'Dawan wall', scope: `street:${DAWAN}` }),
  })
  expect(res.status).toBe(201)
  dawanToken = ((await res.json()) as { secret: string }).secret
})

afterAll(async () => {
  await app?.stopAndClean()
})

async function geo(query: string, token: string | null = DISPLAY_TOKEN, headers: Record<string, string> = {}) {
  const res = await fetch(`${app.url}/api/v1/geo${query}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as GeoFeatureCollection & { error?: string }) : undefined }
}

describe('GET /api/v1/geo', () => {
  it("answers a street with its outline and all its communities' polygons, named", async () => {
    const res = await geo(`?scope=street:${DAWAN}`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/geo\+json/)
    const body = res.body!
    expect([body.type, body.scope, body.childLevel]).toEqual(['FeatureCollection', `street:${DAWAN}`, 'community'])
    const [outline, ...children] = body.features
    expect(outline!.properties).toMatchObject({ code: DAWAN, level: 'street', name: '大弯街道', nameEn: 'Dawan Subdistrict', role: 'scope' })
    const communities = app.registry().children(DAWAN)
    expect(communities).toHaveLength(18)
    expect(children.map((f) => f.properties.code).sort()).toEqual(communities.map((c) => c.code).sort())
    for (const f of children) {
      const place = app.registry().byCode.get(f.properties.code)!
      expect(f.properties).toMatchObject({ level: 'community', name: place.name, nameEn: place.nameEn, role: 'child' })
      expect(f.id).toBe(place.code)
      expect(f.geometry.type).toBe('Polygon')
      const ring = f.geometry.coordinates[0] as number[][]
      expect(ring.length).toBeGreaterThanOrEqual(4)
      expect(ring[0]).toEqual(ring[ring.length - 1])
      expect(f.properties.cp).toHaveLength(2)
    }
    expect(body.features.find((f) => f.properties.code === `${DAWAN}.tuanjielu`)?.properties.name).toBe('团结路社区')
  })

  it("answers the caller's own scope without ?scope=", async () => {
    const own = await geo('', dawanToken)
    expect(own.status).toBe(200)
    expect(own.body!.scope).toBe(`street:${DAWAN}`)
    const city = await geo('')
    expect([city.body!.scope, city.body!.childLevel]).toEqual(['city', 'district'])
    expect(city.body!.features.filter((f) => f.properties.role === 'child')).toHaveLength(6)
  })

  it('lets a display token scoped to one street see it and below, and refuses another street and the city', async () => {
    expect((await geo(`?scope=community:${DAWAN}.tuanjielu`, dawanToken)).status).toBe(200)
    const other = await geo('?scope=street:wenjiang.shouan', dawanToken)
    expect(other.status).toBe(403)
    expect(other.body!.error).toMatch(/street:wenjiang\.shouan is outside your scope \(street:qingbaijiang\.dawan\)/)
    expect((await geo('?scope=city', dawanToken)).status).toBe(403)
    expect((await geo('?scope=district:qingbaijiang', dawanToken)).status).toBe(403)
  })

  it('answers 400 for an unknown or malformed scope, 401 without credentials and 403 for an ingest key', async () => {
    const unknown = await geo('?scope=street:qingbaijiang.nowhere')
    expect(unknown.status).toBe(400)
    expect(unknown.body!.error).toBe('unknown street "qingbaijiang.nowhere"')
    expect((await geo(`?scope=district:${DAWAN}`)).status).toBe(400) // a street named as a district
    expect((await geo('?scope=planet:earth')).status).toBe(400)
    expect((await geo('?scope=city&scope=city')).status).toBe(400)
    expect((await geo('?scope=city', null)).status).toBe(401)
    expect((await geo('?scope=city', INGEST_KEY)).status).toBe(403)
  })

  it('answers 304 to a matching If-None-Match, and a new body once a boundary is imported', async () => {
    const scope = `?scope=street:${DAWAN}`
    const first = await geo(scope)
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^".+"$/)
    expect(first.headers.get('cache-control')).toBe('private, no-cache')
    expect((await geo(scope, DISPLAY_TOKEN, { 'if-none-match': etag })).status).toBe(304)

    const code = `${DAWAN}.tuanjielu`
    const square: Position[] = [[104.25, 30.78], [104.26, 30.78], [104.26, 30.79], [104.25, 30.79], [104.25, 30.78]]
    await saveBoundaries(app.store.admin, [{ code, geometry: { type: 'Polygon', coordinates: [square] } }], 'import')
    const after = await geo(scope, DISPLAY_TOKEN, { 'if-none-match': etag })
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).not.toBe(etag)
    expect(after.body!.features.find((f) => f.properties.code === code)!.geometry.coordinates).toEqual([square])
  })

  it('leaves out children that have no stored boundary', () => {
    const registry = app.registry()
    const street = registry.byCode.get(DAWAN)!
    const [a, b] = registry.children(DAWAN)
    const square = JSON.stringify({ type: 'Polygon', coordinates: [[[104.25, 30.78], [104.26, 30.78], [104.26, 30.79], [104.25, 30.78]]] })
    const only = scopeCollection(registry, `street:${DAWAN}`, new Map([[a!.code, square]]))
    expect(only.features.map((f) => [f.properties.code, f.properties.role])).toEqual([[a!.code, 'child']])
    const both = scopeCollection(registry, `street:${DAWAN}`, new Map([[street.code, square], [b!.code, square]]))
    expect(both.features.map((f) => [f.properties.code, f.properties.role])).toEqual([[street.code, 'scope'], [b!.code, 'child']])
  })
})
