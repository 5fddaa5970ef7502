/**
 * The names of report categories in both UI languages: one list for the wall, the trends page
 * and the monthly pack (the dashboard imports it as a value, like `parseScope`). Terms follow
 * DOMAIN.md; keys are the wire's `category` values.
 */
export type CategoryKey =
  | 'safety_hazard'
  | 'neighbour_dispute'
  | 'public_facility'
  | 'sanitation'
  | 'clutter'
  | 'illegal_parking'
  | 'flying_wire_charging'
  | 'illegal_ads'
  | 'emergency'
  | 'other'

export const CATEGORY_NAMES: Record<'zh-CN' | 'en', Record<CategoryKey, string>> = {
  'zh-CN': {
    safety_hazard: '安全隐患',
    neighbour_dispute: '邻里矛盾',
    public_facility: '公共设施',
    sanitation: '环境卫生',
    clutter: '乱堆乱放',
    illegal_parking: '乱停车',
    flying_wire_charging: '飞线充电',
    illegal_ads: '牛皮癣',
    emergency: '紧急求助',
    other: '其他',
  },
  en: {
    safety_hazard: 'Safety hazard',
    neighbour_dispute: 'Neighbour dispute',
    public_facility: 'Public facility',
    sanitation: 'Sanitation',
    clutter: 'Clutter',
    illegal_parking: 'Illegal parking',
    flying_wire_charging: 'Flying-wire charging',
    illegal_ads: 'Illegal posters',
    emergency: 'Emergency',
    other: 'Other',
  },
}
