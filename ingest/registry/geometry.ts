/**
 * Small plane geometry for generating place boundaries: a local metric projection, convex
 * hulls, and convex clipping (Sutherland–Hodgman). Every polygon here is convex and
 * counter-clockwise, without the closing point; that is all the demo boundaries need.
 */

/** Metres east and north of the projection's origin. */
export type Pt = readonly [number, number]

const M_PER_DEG = 111_320

/**
 * Equirectangular around an origin: over a city's 100 km the error is far below what a demo
 * boundary needs, and distances in metres make Voronoi bisectors right (degrees of longitude
 * are shorter than degrees of latitude at 30° N).
 */
export class LocalProjection {
  private readonly kx: number

  constructor(
    private readonly lat0: number,
    private readonly lon0: number,
  ) {
    this.kx = M_PER_DEG * Math.cos((lat0 * Math.PI) / 180)
  }

  toXY(lat: number, lon: number): Pt {
    return [(lon - this.lon0) * this.kx, (lat - this.lat0) * M_PER_DEG]
  }

  /** [lon, lat], GeoJSON's order. */
  toLonLat(p: Pt): [number, number] {
    return [this.lon0 + p[0] / this.kx, this.lat0 + p[1] / M_PER_DEG]
  }
}

const cross = (o: Pt, a: Pt, b: Pt) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

/** Signed area; positive for counter-clockwise. */
export function area(poly: readonly Pt[]): number {
  let s = 0
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!
    const b = poly[(i + 1) % poly.length]!
    s += a[0] * b[1] - b[0] * a[1]
  }
  return s / 2
}

/** Convex hull, counter-clockwise (Andrew's monotone chain); collinear points dropped. */
export function convexHull(points: readonly Pt[]): Pt[] {
  const pts = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1])
  if (pts.length < 3) return pts
  const lower: Pt[] = []
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop()
    lower.push(p)
  }
  const upper: Pt[] = []
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop()
    upper.push(p)
  }
  return [...lower.slice(0, -1), ...upper.slice(0, -1)]
}

/** A regular polygon of `sides` around `c` (a hexagon, or a circle's stand-in). */
export function regularPolygon(c: Pt, radius: number, sides: number, rotation = 0): Pt[] {
  return Array.from({ length: sides }, (_, i) => {
    const a = rotation + (2 * Math.PI * i) / sides
    return [c[0] + radius * Math.cos(a), c[1] + radius * Math.sin(a)] as const
  })
}

/** The hull of the points grown by `margin` on every side, with rounded corners. */
export function roundedHull(points: readonly Pt[], margin: number, sides = 24): Pt[] {
  const hull = convexHull(points)
  // Only hull points can reach the grown hull's edge; a circle around each of them is enough.
  return convexHull(hull.flatMap((p) => regularPolygon(p, margin, sides)))
}

/** Keeps the part of a convex polygon where dot(p, n) <= c. */
export function clipHalfPlane(poly: readonly Pt[], n: Pt, c: number): Pt[] {
  const out: Pt[] = []
  const side = (p: Pt) => p[0] * n[0] + p[1] * n[1] - c
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!
    const b = poly[(i + 1) % poly.length]!
    const sa = side(a)
    const sb = side(b)
    if (sa <= 0) out.push(a)
    if ((sa < 0 && sb > 0) || (sa > 0 && sb < 0)) {
      const t = sa / (sa - sb)
      out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
    }
  }
  return out.length >= 3 ? out : []
}

/** Sutherland–Hodgman: `subject` clipped to the convex, counter-clockwise `clip`. */
export function clipConvex(subject: readonly Pt[], clip: readonly Pt[]): Pt[] {
  let out: Pt[] = [...subject]
  for (let i = 0; i < clip.length && out.length > 0; i++) {
    const a = clip[i]!
    const b = clip[(i + 1) % clip.length]!
    // Inside a counter-clockwise polygon is left of each edge: the outward normal is (dy, -dx).
    const n: Pt = [b[1] - a[1], a[0] - b[0]]
    out = clipHalfPlane(out, n, n[0] * a[0] + n[1] * a[1])
  }
  return out
}

/** The part of `poly` closer to `site` than to `other` (the Voronoi bisector's side). */
export function clipToSite(poly: readonly Pt[], site: Pt, other: Pt): Pt[] {
  const n: Pt = [other[0] - site[0], other[1] - site[1]]
  if (n[0] === 0 && n[1] === 0) return [...poly]
  const mid: Pt = [(site[0] + other[0]) / 2, (site[1] + other[1]) / 2]
  return clipHalfPlane(poly, n, n[0] * mid[0] + n[1] * mid[1])
}

/** Whether `p` is inside the convex, counter-clockwise polygon (edges count as inside). */
export function containsConvex(poly: readonly Pt[], p: Pt): boolean {
  if (poly.length < 3) return false
  for (let i = 0; i < poly.length; i++) if (cross(poly[i]!, poly[(i + 1) % poly.length]!, p) < 0) return false
  return true
}

/** Area-weighted centroid of a polygon (inside it when the polygon is convex). */
export function centroid(poly: readonly Pt[]): Pt {
  let a = 0
  let x = 0
  let y = 0
  for (let i = 0; i < poly.length; i++) {
    const p = poly[i]!
    const q = poly[(i + 1) % poly.length]!
    const f = p[0] * q[1] - q[0] * p[1]
    a += f
    x += (p[0] + q[0]) * f
    y += (p[1] + q[1]) * f
  }
  if (a === 0) return poly[0] ?? [0, 0]
  return [x / (3 * a), y / (3 * a)]
}
