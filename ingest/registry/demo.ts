/**
 * The demo registry: a Chengdu micro-grid hierarchy generated from the facts in DOMAIN.md.
 *
 * Real: the six districts and their six streets, the named communities, 大弯街道's sizes (18
 * communities, 137 general grids, 836 micro-grids), 禹庙村's 32 micro-grids, 30–100
 * households per micro-grid. Everything else (the other communities, grid counts outside
 * 大弯街道, household numbers, key-household shares, exact coordinates) is invented but
 * plausible, and deterministic in the seed.
 */
import type { Place } from '../../server/contracts/registry.ts'
import { Rng, hashInts, hashString } from '../simulator/random.ts'

interface CommunitySpec {
  slug: string
  name: string
  nameEn: string
  village: boolean
  /** Exact general grids and micro-grids when a source gives them. */
  grids?: number
  microGrids?: number
  /** Range of the key-household share per micro-grid, when known to differ. */
  keyShare?: readonly [number, number]
}

interface StreetSpec {
  slug: string
  name: string
  nameEn: string
  /** Exact community count, or a range to draw from. */
  communities: number | readonly [number, number]
  /** Exact totals for the whole street (大弯街道). */
  grids?: number
  microGrids?: number
  /** Share of generated communities that are villages (村); rural towns have more. */
  villageShare: number
  named: readonly CommunitySpec[]
}

interface DistrictSpec {
  slug: string
  name: string
  nameEn: string
  lat: number
  lon: number
  street: StreetSpec
}

const CITY = { code: 'chengdu', name: '成都市', nameEn: 'Chengdu', lat: 30.657, lon: 104.066 }

/** DOMAIN: the districts, streets and communities named in the articles; centroids near their real places. */
const DISTRICTS: readonly DistrictSpec[] = [
  {
    slug: 'pidu',
    name: '郫都区',
    nameEn: 'Pidu District',
    lat: 30.8,
    lon: 103.9,
    street: {
      slug: 'deyuan',
      name: '德源街道',
      nameEn: 'Deyuan Subdistrict',
      communities: [5, 8],
      villageShare: 0.6,
      // DOMAIN: 禹庙村 has 32 micro-grids; 1,008 villagers are 60+, so its key-household share is high.
      named: [{ slug: 'yumiao', name: '禹庙村', nameEn: 'Yumiao Village', village: true, grids: 5, microGrids: 32, keyShare: [0.32, 0.45] }],
    },
  },
  {
    slug: 'qingbaijiang',
    name: '青白江区',
    nameEn: 'Qingbaijiang District',
    lat: 30.78,
    lon: 104.25,
    street: {
      slug: 'dawan',
      name: '大弯街道',
      nameEn: 'Dawan Subdistrict',
      // DOMAIN: 18 communities, 137 general grids, 836 micro-grids.
      communities: 18,
      grids: 137,
      microGrids: 836,
      villageShare: 0,
      named: [{ slug: 'tuanjielu', name: '团结路社区', nameEn: 'Tuanjielu Community', village: false }],
    },
  },
  {
    slug: 'tianfu',
    name: '天府新区',
    nameEn: 'Tianfu New Area',
    lat: 30.5,
    lon: 104.05,
    street: {
      slug: 'huayang',
      name: '华阳街道',
      nameEn: 'Huayang Subdistrict',
      communities: [5, 8],
      villageShare: 0,
      named: [{ slug: 'angong', name: '安公社区', nameEn: 'Angong Community', village: false }],
    },
  },
  {
    slug: 'gaoxin',
    name: '成都高新区',
    nameEn: 'Chengdu Hi-tech Zone',
    lat: 30.58,
    lon: 104.05,
    street: {
      slug: 'shiyang',
      name: '石羊街道',
      nameEn: 'Shiyang Subdistrict',
      communities: [5, 8],
      villageShare: 0,
      named: [
        { slug: 'shenghua', name: '盛华社区', nameEn: 'Shenghua Community', village: false },
        { slug: 'shengle', name: '盛乐社区', nameEn: 'Shengle Community', village: false },
      ],
    },
  },
  {
    slug: 'dongbu',
    name: '东部新区',
    nameEn: 'Chengdu Eastern New Area',
    lat: 30.4,
    lon: 104.45,
    street: { slug: 'yangma', name: '养马街道', nameEn: 'Yangma Subdistrict', communities: [5, 8], villageShare: 0.6, named: [] },
  },
  {
    slug: 'wenjiang',
    name: '温江区',
    nameEn: 'Wenjiang District',
    lat: 30.65,
    lon: 103.75,
    street: {
      slug: 'shouan',
      name: '寿安镇',
      nameEn: "Shou'an Town",
      communities: [5, 8],
      villageShare: 0.6,
      named: [{ slug: 'wujiachang', name: '吴家场社区', nameEn: 'Wujiachang Community', village: false }],
    },
  },
]

/**
 * Invented names for the communities the articles do not name. Only the named communities above
 * are real; these are common Chinese place-name words, not claims about real communities.
 */
const URBAN_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['和平', 'Heping'], ['幸福', 'Xingfu'], ['新华', 'Xinhua'], ['光明', 'Guangming'], ['金桥', 'Jinqiao'], ['友谊', 'Youyi'],
  ['文化', 'Wenhua'], ['建设', 'Jianshe'], ['长安', "Chang'an"], ['锦绣', 'Jinxiu'], ['红星', 'Hongxing'], ['东升', 'Dongsheng'],
  ['南湖', 'Nanhu'], ['北苑', 'Beiyuan'], ['西园', 'Xiyuan'], ['桂花', 'Guihua'], ['翠竹', 'Cuizhu'], ['青松', 'Qingsong'],
  ['凤凰', 'Fenghuang'], ['望江', 'Wangjiang'], ['清水', 'Qingshui'], ['柳林', 'Liulin'], ['杏林', 'Xinglin'], ['荷塘', 'Hetang'],
  ['新城', 'Xincheng'], ['花园', 'Huayuan'], ['迎宾', 'Yingbin'], ['永安', "Yong'an"], ['太平', 'Taiping'], ['双桥', 'Shuangqiao'],
  ['石桥', 'Shiqiao'], ['玉带', 'Yudai'], ['锦华', 'Jinhua'], ['华兴', 'Huaxing'], ['明珠', 'Mingzhu'], ['梧桐', 'Wutong'],
  ['香山', 'Xiangshan'], ['银杏', 'Yinxing'], ['安居', 'Anju'], ['康乐', 'Kangle'], ['阳光', 'Yangguang'], ['滨河', 'Binhe'],
  ['顺江', 'Shunjiang'], ['文星', 'Wenxing'], ['华林', 'Hualin'], ['云锦', 'Yunjin'], ['兴隆', 'Xinglong'], ['瑞祥', 'Ruixiang'],
  ['春晖', 'Chunhui'], ['朝阳', 'Chaoyang'], ['紫荆', 'Zijing'], ['芙蓉', 'Furong'], ['海棠', 'Haitang'], ['百花', 'Baihua'],
  ['书香', 'Shuxiang'], ['育才', 'Yucai'], ['人民', 'Renmin'], ['新村', 'Xincun'],
]
const VILLAGE_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['红光', 'Hongguang'], ['金星', 'Jinxing'], ['三元', 'Sanyuan'], ['五一', 'Wuyi'], ['胜利', 'Shengli'], ['柏林', 'Bolin'],
  ['新民', 'Xinmin'], ['先锋', 'Xianfeng'], ['永兴', 'Yongxing'], ['同心', 'Tongxin'], ['联合', 'Lianhe'], ['长丰', 'Changfeng'],
  ['清泉', 'Qingquan'], ['双河', 'Shuanghe'], ['白鹤', 'Baihe'], ['天星', 'Tianxing'], ['马家', 'Majia'], ['李家', 'Lijia'],
  ['高桥', 'Gaoqiao'], ['石堰', 'Shiyan'], ['青龙', 'Qinglong'], ['白果', 'Baiguo'], ['黄桷', 'Huangjue'], ['竹林', 'Zhulin'],
  ['新桥', 'Xinqiao'], ['万福', 'Wanfu'], ['花红', 'Huahong'], ['沙湾', 'Shawan'],
]

/** Sizes of the generated parts of the tree (DOMAIN gives 30–100 households per micro-grid; the rest is a guess). */
const GRIDS_PER_COMMUNITY: readonly [number, number] = [4, 8]
const MICRO_PER_GRID: readonly [number, number] = [4, 8]
const HOUSEHOLDS: readonly [number, number] = [30, 100]
/** Key-household share per micro-grid: urban, and villages (older populations stay in the countryside). */
const KEY_SHARE_URBAN: readonly [number, number] = [0.1, 0.18]
const KEY_SHARE_VILLAGE: readonly [number, number] = [0.18, 0.28]

/** Offsets (metres from the parent's centroid) of each level: a town spreads over km, a micro-grid over a block. */
const SPREAD_M = {
  district: [0, 500],
  street: [1000, 3000],
  community: [300, 2000],
  grid: [100, 450],
  microGrid: [40, 300],
} as const

interface Node {
  place: Place
  children: Node[]
}

/**
 * Generates the demo registry for a seed: city, districts, streets, communities, grids and
 * micro-grids, parents before children (depth-first). Same seed, same registry.
 */
export function demoRegistry(seed: number): Place[] {
  const names = new NamePool(seed)
  const city: Node = { place: place(CITY.code, 'city', '', CITY.name, CITY.nameEn, CITY.lat, CITY.lon), children: [] }
  for (const d of DISTRICTS) {
    const rng = new Rng(hashInts(seed, hashString(d.slug)))
    const [lat, lon] = near(rng, d.lat, d.lon, SPREAD_M.district)
    const district: Node = { place: place(d.slug, 'district', CITY.code, d.name, d.nameEn, lat, lon), children: [] }
    district.children.push(street(seed, d, district.place, names))
    city.children.push(district)
  }
  const out: Place[] = []
  sumUp(city)
  flatten(city, out)
  return out
}

function street(seed: number, d: DistrictSpec, parent: Place, names: NamePool): Node {
  const s = d.street
  const code = `${d.slug}.${s.slug}`
  const rng = new Rng(hashInts(seed, hashString(code)))
  const [lat, lon] = near(rng, parent.lat, parent.lon, SPREAD_M.street)
  const node: Node = { place: place(code, 'street', parent.code, s.name, s.nameEn, lat, lon), children: [] }

  const count = typeof s.communities === 'number' ? s.communities : rng.int(s.communities[0], Math.max(s.communities[1], s.named.length))
  const specs: CommunitySpec[] = [...s.named]
  while (specs.length < Math.max(count, s.named.length)) specs.push(names.next(rng.chance(s.villageShare)))
  // Named communities are spread among the generated ones rather than always coming first.
  const ordered = rng.shuffled(specs)

  // Exact street totals (大弯街道) are split over communities, then over grids.
  let gridsPer: number[] | undefined
  let microPerGrid: number[] | undefined
  if (s.grids !== undefined && s.microGrids !== undefined) {
    gridsPer = partition(rng, s.grids, ordered.length, 5, 10)
    microPerGrid = partition(rng, s.microGrids, s.grids, MICRO_PER_GRID[0], MICRO_PER_GRID[1])
  }
  let gridCursor = 0
  ordered.forEach((c, i) => {
    const grids = gridsPer?.[i]
    const micro = microPerGrid ? microPerGrid.slice(gridCursor, gridCursor + grids!) : undefined
    gridCursor += grids ?? 0
    node.children.push(community(seed, c, node.place, micro))
  })
  return node
}

function community(seed: number, c: CommunitySpec, parent: Place, microPerGrid: number[] | undefined): Node {
  const code = `${parent.code}.${c.slug}`
  const rng = new Rng(hashInts(seed, hashString(code)))
  const [lat, lon] = near(rng, parent.lat, parent.lon, SPREAD_M.community)
  const node: Node = { place: place(code, 'community', parent.code, c.name, c.nameEn, lat, lon), children: [] }

  let sizes = microPerGrid
  if (!sizes) {
    if (c.grids !== undefined && c.microGrids !== undefined) sizes = partition(rng, c.microGrids, c.grids, 5, 8)
    else sizes = Array.from({ length: rng.int(GRIDS_PER_COMMUNITY[0], GRIDS_PER_COMMUNITY[1]) }, () => rng.int(MICRO_PER_GRID[0], MICRO_PER_GRID[1]))
  }
  const share = c.keyShare ?? (c.village ? KEY_SHARE_VILLAGE : KEY_SHARE_URBAN)

  sizes.forEach((microCount, gi) => {
    const g = gi + 1
    const gCode = `${code}.g${pad2(g)}`
    const [glat, glon] = near(rng, lat, lon, SPREAD_M.grid)
    const grid: Node = { place: place(gCode, 'grid', code, `第${g}网格`, `Grid ${g}`, glat, glon), children: [] }
    for (let m = 1; m <= microCount; m++) {
      const [mlat, mlon] = near(rng, glat, glon, SPREAD_M.microGrid)
      const mg = place(`${gCode}.m${pad2(m)}`, 'micro_grid', gCode, `第${g}-${m}微网格`, `Micro-grid ${g}-${m}`, mlat, mlon)
      // Triangular around the middle of 30–100: most micro-grids are mid-sized compounds or village groups.
      mg.households = HOUSEHOLDS[0] + Math.round(((rng.next() + rng.next()) / 2) * (HOUSEHOLDS[1] - HOUSEHOLDS[0]))
      mg.keyHouseholds = Math.max(1, Math.round(mg.households * rng.range(share[0], share[1])))
      grid.children.push({ place: mg, children: [] })
    }
    node.children.push(grid)
  })
  return node
}

/** Draws community names without repeats across the whole registry. */
class NamePool {
  private readonly urban: Array<readonly [string, string]>
  private readonly villages: Array<readonly [string, string]>

  constructor(seed: number) {
    const rng = new Rng(hashInts(seed, 0x4e414d45))
    this.urban = rng.shuffled(URBAN_NAMES)
    this.villages = rng.shuffled(VILLAGE_NAMES)
  }

  next(village: boolean): CommunitySpec {
    // Fall back to the other list rather than fail if one runs dry.
    const list = (village && this.villages.length > 0) || this.urban.length === 0 ? this.villages : this.urban
    const isVillage = list === this.villages
    const entry = list.shift()
    if (!entry) throw new Error('demo registry: ran out of community names')
    const [zh, py] = entry
    return {
      slug: py.toLowerCase().replace(/[^a-z]/g, ''),
      name: `${zh}${isVillage ? '村' : '社区'}`,
      nameEn: `${py} ${isVillage ? 'Village' : 'Community'}`,
      village: isVillage,
    }
  }
}

/**
 * Splits `total` into `parts` integers each within [lo, hi], randomly but exactly; used where a
 * source gives the total (836 micro-grids over 137 grids).
 */
function partition(rng: Rng, total: number, parts: number, lo: number, hi: number): number[] {
  if (total < lo * parts || total > hi * parts) throw new Error(`demo registry: cannot split ${total} into ${parts} parts of ${lo}–${hi}`)
  const out = Array.from({ length: parts }, () => rng.int(lo, hi))
  let sum = out.reduce((s, x) => s + x, 0)
  while (sum !== total) {
    const i = rng.int(0, parts - 1)
    if (sum < total && out[i]! < hi) {
      out[i]!++
      sum++
    } else if (sum > total && out[i]! > lo) {
      out[i]!--
      sum--
    }
  }
  return out
}

function place(code: string, level: Place['level'], parent: string, name: string, nameEn: string, lat: number, lon: number): Place {
  return { code, level, parent, name, nameEn, households: 0, keyHouseholds: 0, lat: round6(lat), lon: round6(lon) }
}

/** A point at a random bearing, `range` metres (min–max) away. */
function near(rng: Rng, lat: number, lon: number, range: readonly [number, number]): [number, number] {
  const dist = rng.range(range[0], range[1])
  const bearing = rng.next() * 2 * Math.PI
  const dLat = (dist * Math.cos(bearing)) / 111_320
  const dLon = (dist * Math.sin(bearing)) / (111_320 * Math.cos((lat * Math.PI) / 180))
  return [lat + dLat, lon + dLon]
}

function sumUp(node: Node): void {
  if (node.children.length === 0) return
  let hh = 0
  let key = 0
  for (const c of node.children) {
    sumUp(c)
    hh += c.place.households
    key += c.place.keyHouseholds
  }
  node.place.households = hh
  node.place.keyHouseholds = key
}

function flatten(node: Node, out: Place[]): void {
  out.push(node.place)
  for (const c of node.children) flatten(c, out)
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n)
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6
}
