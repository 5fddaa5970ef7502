/**
 * Every number of the demo world in one place: how often reports arrive and when, who sends
 * them and about what, how long each lifecycle step takes, and how key households are visited.
 *
 * Figures marked DOMAIN come from the two source articles (see /work/shared/DOMAIN.md); the
 * rest are plausible guesses chosen to make the wall look like a real street command centre,
 * and are labelled as such.
 */
import type { Category, Channel, Group, ReporterRole, VisitKind, WorkerRole } from './wire.ts'

// The SLA is server configuration (server/sla.ts); the delays below are drawn against it.
export { DEFAULT_SLA } from '../../server/sla.ts'

// ---------------------------------------------------------------------------------------------
// Report arrival rate
// ---------------------------------------------------------------------------------------------

/**
 * DOMAIN: 大弯街道 handled about 27,000 reports in 2022 (≈74 a day) over 836 micro-grids, so
 * ≈0.089 reports per micro-grid per day. Applied to every micro-grid, scaled by its households
 * relative to the registry's mean (a 100-household micro-grid sees more than a 30-household one).
 */
export const REPORTS_PER_MICRO_GRID_DAY = 27_000 / 365 / 836

/**
 * Monthly factor (mean 1). Guess: summer brings more sanitation, flying-wire charging and
 * parking trouble and longer evenings outside; winter is quieter.
 */
export const MONTH_FACTOR: readonly number[] = [0.85, 0.85, 0.95, 1.0, 1.05, 1.15, 1.2, 1.2, 1.05, 0.95, 0.9, 0.85]

/** Weekday factor, Monday first (mean 1). Guess: fewer patrols at weekends, residents call about the same. */
export const WEEKDAY_FACTOR: readonly number[] = [1.04, 1.04, 1.04, 1.04, 1.04, 0.9, 0.9]

/** Spring Festival (除夕 is the day before) per year: reports dip and returnees are registered (DOMAIN: 春节返乡人员台账). */
export const SPRING_FESTIVAL: Readonly<Record<number, string>> = {
  2018: '2018-02-16',
  2019: '2019-02-05',
  2020: '2020-01-25',
  2021: '2021-02-12',
  2022: '2022-02-01',
  2023: '2023-01-22',
  2024: '2024-02-10',
  2025: '2025-01-29',
  2026: '2026-02-17',
  2027: '2027-02-06',
  2028: '2028-01-26',
  2029: '2029-02-13',
  2030: '2030-02-03',
  2031: '2031-01-23',
  2032: '2032-02-11',
  2033: '2033-01-31',
  2034: '2034-02-19',
  2035: '2035-02-08',
}

/** Days around the festival (relative to it) with fewer reports, and the factor. Guess: the holiday week. */
export const FESTIVAL_DIP = { fromDay: -2, toDay: 6, factor: 0.55 }

/** Days around the festival when returnees are in the village and on the visit register. */
export const RETURNEE_WINDOW = { fromDay: -20, toDay: 15 }

/** Local day number of the Spring Festival of a year, or undefined outside the table. */
export function springFestivalDayNo(year: number): number | undefined {
  const iso = SPRING_FESTIVAL[year]
  return iso === undefined ? undefined : Math.floor(Date.parse(`${iso}T00:00:00Z`) / 86_400_000)
}

/** Days from the nearest Spring Festival (negative before it), or a large number when unknown. */
export function daysFromFestival(dayNo: number, year: number): number {
  let best = 10_000
  for (const y of [year - 1, year, year + 1]) {
    const f = springFestivalDayNo(y)
    if (f !== undefined && Math.abs(dayNo - f) < Math.abs(best)) best = dayNo - f
  }
  return best
}

/** Combined day factor for report arrivals: season × weekday × Spring Festival dip. */
export function dayFactor(dayNo: number, year: number, month: number, weekday: number): number {
  const f = daysFromFestival(dayNo, year)
  const dip = f >= FESTIVAL_DIP.fromDay && f <= FESTIVAL_DIP.toDay ? FESTIVAL_DIP.factor : 1
  return MONTH_FACTOR[month - 1]! * WEEKDAY_FACTOR[weekday]! * dip
}

// ---------------------------------------------------------------------------------------------
// Who reports, when, through which channel
// ---------------------------------------------------------------------------------------------

export const REPORTER_ROLES: readonly ReporterRole[] = ['grid_worker', 'mobile_worker', 'resident', 'staff']

/**
 * Share of reports per reporter role. DOMAIN: micro-grid workers report on their rounds (3,125
 * of them in 大弯街道 alone) so they send most; couriers and riders are "mobile micro-grid
 * workers" (235 in 华阳街道) and a good share; residents call their grid worker; community
 * staff double as grid workers. The split itself is a guess.
 */
export const ROLE_SHARE: Readonly<Record<ReporterRole, number>> = {
  grid_worker: 0.48,
  mobile_worker: 0.2,
  resident: 0.24,
  staff: 0.08,
}

/**
 * Relative activity per local hour (0–23) for each role; normalised when used.
 * Mobile workers report "between pick-up and delivery" (DOMAIN), so they peak at meal times
 * 11:00–13:00 and 17:00–19:30 (hour 19 half-weighted); grid workers patrol in the day;
 * residents call mornings and evenings; staff keep office hours. Nights are quiet for all.
 */
export const HOURLY_PROFILE: Readonly<Record<ReporterRole, readonly number[]>> = {
  //            0    1    2    3    4    5    6    7    8    9   10   11   12   13   14   15   16   17   18   19   20   21   22   23
  grid_worker: [0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.6, 1.5, 4.0, 6.0, 6.0, 5.0, 3.0, 3.0, 5.0, 5.5, 5.0, 4.0, 2.5, 2.0, 1.5, 1.0, 0.5, 0.3],
  mobile_worker: [0.3, 0.1, 0.05, 0.05, 0.05, 0.1, 0.2, 0.6, 1.0, 1.3, 2.5, 9.0, 10.0, 3.0, 1.2, 1.0, 1.8, 8.0, 9.0, 4.5, 2.0, 1.2, 0.8, 0.5],
  resident: [0.4, 0.2, 0.15, 0.15, 0.15, 0.3, 0.9, 2.5, 4.0, 4.5, 4.0, 3.5, 2.5, 2.5, 3.0, 3.0, 3.0, 3.5, 4.0, 4.5, 4.0, 3.0, 1.5, 0.7],
  staff: [0.05, 0.02, 0.02, 0.02, 0.02, 0.05, 0.1, 0.5, 3.0, 6.0, 6.0, 5.0, 1.0, 1.5, 5.5, 6.0, 5.5, 3.0, 0.8, 0.3, 0.2, 0.1, 0.05, 0.05],
}

/** Channel per role. DOMAIN: the grid's WeChat group, phone, the grid app; riders use the "流动微网格" WeChat group or phone. */
export const CHANNEL_BY_ROLE: Readonly<Record<ReporterRole, Readonly<Partial<Record<Channel, number>>>>> = {
  grid_worker: { app: 0.65, patrol: 0.25, wechat: 0.1 },
  mobile_worker: { wechat: 0.75, phone: 0.25 },
  resident: { phone: 0.55, hotline: 0.25, wechat: 0.2 },
  staff: { app: 0.6, patrol: 0.3, hotline: 0.1 },
}

/**
 * Category mix per role (weights). DOMAIN lists the kinds; the proportions are guesses:
 * riders see parking, kerbs and posters on the road; residents bring disputes and call in
 * emergencies (a resident trapped in a lift); emergencies are about 0.5% overall.
 */
export const CATEGORY_MIX: Readonly<Record<ReporterRole, Readonly<Record<Category, number>>>> = {
  grid_worker: { sanitation: 22, clutter: 20, illegal_parking: 12, flying_wire_charging: 12, public_facility: 12, safety_hazard: 11, neighbour_dispute: 4, illegal_ads: 4, emergency: 0.2, other: 2.8 },
  mobile_worker: { sanitation: 14, clutter: 12, illegal_parking: 22, flying_wire_charging: 8, public_facility: 18, safety_hazard: 12, neighbour_dispute: 1, illegal_ads: 10, emergency: 0.3, other: 2.7 },
  resident: { sanitation: 22, clutter: 14, illegal_parking: 14, flying_wire_charging: 8, public_facility: 9, safety_hazard: 8, neighbour_dispute: 14, illegal_ads: 3, emergency: 1.5, other: 6.5 },
  staff: { sanitation: 20, clutter: 18, illegal_parking: 10, flying_wire_charging: 14, public_facility: 14, safety_hazard: 14, neighbour_dispute: 3, illegal_ads: 4, emergency: 0.2, other: 2.8 },
}

/** Severity (1–3) weights per category; an emergency is always 3. */
export const SEVERITY: Readonly<Record<Category, readonly [number, number, number]>> = {
  emergency: [0, 0, 1],
  safety_hazard: [0.2, 0.6, 0.2],
  flying_wire_charging: [0.2, 0.65, 0.15],
  public_facility: [0.5, 0.45, 0.05],
  sanitation: [0.85, 0.15, 0],
  clutter: [0.75, 0.25, 0],
  illegal_parking: [0.8, 0.2, 0],
  illegal_ads: [0.95, 0.05, 0],
  neighbour_dispute: [0.55, 0.4, 0.05],
  other: [0.8, 0.2, 0],
}

/** Reports are placed within this many metres (per axis) of their micro-grid's centroid. */
export const REPORT_JITTER_M = 150

/**
 * Who a report is dispatched to (DOMAIN: "上级职能部门" or the property manager 物业; a lift
 * rescue involved the property manager). The specific departments are plausible guesses.
 */
export const DEPARTMENTS: Readonly<Record<Category, Readonly<Record<string, number>>>> = {
  sanitation: { 物业: 0.5, 城管: 0.35, 社区: 0.15 },
  clutter: { 物业: 0.5, 城管: 0.4, 消防: 0.1 },
  illegal_parking: { 交警: 0.45, 城管: 0.35, 物业: 0.2 },
  flying_wire_charging: { 物业: 0.5, 消防: 0.3, 住建: 0.2 },
  public_facility: { 住建: 0.45, 城管: 0.35, 物业: 0.2 },
  safety_hazard: { 住建: 0.3, 消防: 0.3, 应急管理: 0.2, 物业: 0.2 },
  neighbour_dispute: { 人民调解委员会: 0.5, 派出所: 0.3, 司法所: 0.2 },
  illegal_ads: { 城管: 0.7, 物业: 0.3 },
  emergency: { 物业: 0.45, 消防: 0.3, 派出所: 0.15, '120急救': 0.1 },
  other: { 社区: 0.4, 市场监管: 0.3, 街道办: 0.3 },
}

/** What a report says, per category (DOMAIN examples: a broken kerb with loose gravel, pet waste, a lift). */
export const REPORT_NOTES: Readonly<Record<Category, readonly string[]>> = {
  sanitation: ['楼下草坪有宠物粪便未清理', '垃圾桶满溢，周边有异味', '小区门口污水外溢', '楼道内堆有生活垃圾无人清运', '绿化带内有建筑垃圾'],
  clutter: ['楼道内堆放杂物，堵塞消防通道', '单元门口乱堆纸箱', '小区空地乱堆旧家具', '商户占道堆放货物'],
  illegal_parking: ['电动车停放在消防通道上', '车辆占用盲道停放', '共享单车乱停堵塞人行道', '小区门口车辆乱停影响通行'],
  flying_wire_charging: ['有住户从楼上拉线给电动车充电', '电动车推入楼道内充电', '车棚私拉电线充电'],
  public_facility: ['路沿石损坏，碎石散落，影响行人行车安全', '路灯不亮，夜间出行不便', '井盖松动有响声', '健身器材损坏有安全隐患', '人行道地砖破损'],
  safety_hazard: ['外墙瓷砖有脱落风险', '燃气管道有异味，疑似漏气', '围墙出现裂缝', '消防栓被遮挡', '广告牌松动有坠落风险'],
  neighbour_dispute: ['楼上住户夜间噪音扰民，邻里发生争执', '邻居占用公共过道引发矛盾', '空调外机滴水引起邻里纠纷', '宠物犬吠扰民'],
  illegal_ads: ['单元门上张贴“牛皮癣”小广告', '电线杆上有大量小广告', '楼道墙面喷涂办证广告'],
  emergency: ['居民被困电梯内，请求救援', '独居老人在家中摔倒，需要帮助', '楼道内有烟雾，疑似起火', '居民家中水管爆裂'],
  other: ['居民咨询社保办理事宜', '建议增设快递柜', '居民反映小区门禁故障', '商户噪音扰民'],
}

/** Share of report notes that carry a (clearly fake, 1380000xxxx) phone number, so redaction at ingest is visible. */
export const NOTE_PHONE_SHARE = 0.06

/** Note on a rejected report: why the on-site check found it invalid. */
export const REJECT_NOTES: readonly string[] = ['经现场核实，情况不属实', '重复上报，已合并处理', '不属于本社区管辖范围', '现场已自行整改']

/** Note on a reopened report. */
export const REOPEN_NOTES: readonly string[] = ['居民反映问题再次出现', '复查发现整改不到位', '整改后问题反复']

/** Note on resolution, per category (sometimes). */
export const RESOLVE_NOTES: Readonly<Record<Category, string>> = {
  sanitation: '已清理完毕',
  clutter: '杂物已清理，通道已畅通',
  illegal_parking: '车辆已挪走，已劝导车主',
  flying_wire_charging: '飞线已拆除，已宣传安全充电',
  public_facility: '设施已维修更换，现场已清理',
  safety_hazard: '隐患已排除',
  neighbour_dispute: '经调解双方达成一致',
  illegal_ads: '小广告已铲除',
  emergency: '已处置完毕，人员安全',
  other: '已答复处理',
}

// ---------------------------------------------------------------------------------------------
// Lifecycle: reported → verified → dispatched → resolved → closed (DOMAIN)
// ---------------------------------------------------------------------------------------------

/** Lognormal delay: median minutes and log-sd. */
export interface Delay {
  median: number
  sigma: number
}

/**
 * Step delays per category, minutes: verify is from `reported`, dispatch from `verified`,
 * resolve from `dispatched`. DOMAIN anchors: lift rescue 10 minutes after the call
 * (emergency: verify 2–5 min, resolved in 10–40); broken kerb replaced one day after the
 * report (public_facility: verified in hours, resolved in about a day). Disputes take days.
 * The medians sit well inside DEFAULT_SLA so only the slow tail goes overdue.
 */
export const STEP_DELAYS: Readonly<Record<Category, { verify: Delay; dispatch: Delay; resolve: Delay }>> = {
  emergency: { verify: { median: 3.5, sigma: 0.3 }, dispatch: { median: 1.5, sigma: 0.4 }, resolve: { median: 15, sigma: 0.45 } },
  safety_hazard: { verify: { median: 40, sigma: 0.6 }, dispatch: { median: 15, sigma: 0.7 }, resolve: { median: 300, sigma: 0.7 } },
  flying_wire_charging: { verify: { median: 45, sigma: 0.6 }, dispatch: { median: 20, sigma: 0.7 }, resolve: { median: 360, sigma: 0.7 } },
  public_facility: { verify: { median: 90, sigma: 0.6 }, dispatch: { median: 60, sigma: 0.7 }, resolve: { median: 1200, sigma: 0.5 } },
  sanitation: { verify: { median: 60, sigma: 0.6 }, dispatch: { median: 20, sigma: 0.7 }, resolve: { median: 240, sigma: 0.7 } },
  clutter: { verify: { median: 80, sigma: 0.6 }, dispatch: { median: 30, sigma: 0.7 }, resolve: { median: 600, sigma: 0.7 } },
  illegal_parking: { verify: { median: 18, sigma: 0.6 }, dispatch: { median: 10, sigma: 0.6 }, resolve: { median: 90, sigma: 0.7 } },
  illegal_ads: { verify: { median: 120, sigma: 0.6 }, dispatch: { median: 60, sigma: 0.7 }, resolve: { median: 1000, sigma: 0.7 } },
  neighbour_dispute: { verify: { median: 150, sigma: 0.6 }, dispatch: { median: 120, sigma: 0.7 }, resolve: { median: 2000, sigma: 0.6 } },
  other: { verify: { median: 120, sigma: 0.6 }, dispatch: { median: 60, sigma: 0.7 }, resolve: { median: 1000, sigma: 0.7 } },
}

/** Share of steps that stall (a worker off shift, a department slow to act) and how much longer they take. */
export const SLOW_STEP = { share: 0.05, factorMin: 2.5, factorMax: 6 }

/** 销号 (close) after resolution: the community re-checks and clears it. */
export const CLOSE_DELAY: Delay = { median: 90, sigma: 0.9 }

/** Share rejected after verification (found invalid on the re-check) and how long until the rejection is recorded. */
export const REJECT_SHARE = 0.04
export const REJECT_DELAY: Delay = { median: 15, sigma: 0.7 }

/** Share reopened after resolution, delay until reopened, and how much faster the second fix is. */
export const REOPEN_SHARE = 0.03
export const REOPEN_DELAY: Delay = { median: 300, sigma: 0.8 }
export const REFIX_FACTOR = 0.6

/** Shortest gap between two lifecycle steps, ms, so steps never share an instant. */
export const MIN_STEP_MS = 30_000

// ---------------------------------------------------------------------------------------------
// Visits (走访/巡访)
// ---------------------------------------------------------------------------------------------

/**
 * DOMAIN: each micro-grid has a 3–4-person team of micro-grid workers and a family doctor who
 * visit key populations at least weekly (每周巡访). Visits fall on a weekday between these
 * local times; about this share of household-weeks is missed, so coverage stays below 100%.
 */
export const VISIT_WINDOW_SEC = { from: 8 * 3600 + 30 * 60, to: 18 * 3600 }
export const VISIT_MISS_SHARE = 0.06
export const TEAM_SIZE = { min: 3, max: 4 }

/** Share of households with each key-population group (DOMAIN: 老幼病残孕; elderly dominate). A household has at least one. */
export const GROUP_SHARE: Readonly<Record<Exclude<Group, 'returnee'>, number>> = {
  elderly: 0.74,
  child: 0.12,
  sick: 0.14,
  disabled: 0.06,
  pregnant: 0.03,
}

/** Of elderly households, the share with someone 65+ (eligible for the free check-up, DOMAIN). */
export const AGE65_SHARE = 0.65

/** Share of key households with a member returning for the Spring Festival (DOMAIN: 春节返乡人员台账). */
export const RETURNEE_SHARE = 0.15

/**
 * Visit kinds (DOMAIN: weekly patrol, home medical visit 送医到家, online consultation, health
 * packs, mobile vaccination point, free check-up for 65+, health-station measurements,
 * population-information collection). Weights are guesses; the patrol dominates.
 */
export const VISIT_KIND_MIX: Readonly<Record<VisitKind, number>> = {
  patrol: 60,
  measurement: 10,
  online_consult: 8,
  home_medical: 7,
  health_pack: 5,
  info_collection: 5,
  checkup: 3,
  vaccination: 2,
}

/** Kinds done by the team's family doctor rather than a grid worker. */
export const DOCTOR_KINDS: ReadonlySet<VisitKind> = new Set<VisitKind>(['home_medical', 'online_consult', 'measurement', 'checkup', 'vaccination'])

/** Visit duration range per kind, minutes. */
export const VISIT_DURATION: Readonly<Record<VisitKind, readonly [number, number]>> = {
  patrol: [5, 20],
  measurement: [10, 25],
  online_consult: [5, 20],
  home_medical: [20, 60],
  health_pack: [5, 15],
  info_collection: [10, 30],
  checkup: [30, 60],
  vaccination: [10, 30],
}

/** Share of visits that need a follow-up, higher after medical visits. */
export const FOLLOW_UP_SHARE = { medical: 0.2, other: 0.05 }

/** Share of visits with a short note, and the notes. */
export const VISIT_NOTE_SHARE = 0.12
export const VISIT_NOTES: Readonly<Record<VisitKind, readonly string[]>> = {
  patrol: ['老人身体状况良好', '已提醒注意用电安全', '家中无异常'],
  measurement: ['血压偏高，建议复测', '血糖正常', '指脉氧正常'],
  online_consult: ['已线上问诊并指导用药', '已解答用药疑问'],
  home_medical: ['送药到家，已指导服用', '上门换药'],
  health_pack: ['已发放健康包', '已送达防疫物资'],
  info_collection: ['已更新人口信息', '已登记联系方式'],
  checkup: ['已完成65岁以上老年人免费体检', '已预约体检'],
  vaccination: ['已在流动接种点完成接种', '已上门接种'],
}

/** Worker role mix inside a team beyond its one family doctor (grid workers mostly, DOMAIN). */
export const TEAM_OTHER_ROLES: Readonly<Record<Exclude<WorkerRole, 'family_doctor'>, number>> = {
  grid_worker: 0.8,
  volunteer: 0.12,
  staff: 0.08,
}
