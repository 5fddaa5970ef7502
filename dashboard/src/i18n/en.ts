import type zhCN from './zh-CN.ts'

/** English UI strings; typed against zh-CN so a missing key fails the typecheck. */
const en: typeof zhCN = {
  brand: 'GridPulse',
  title: 'Micro-grid Live Operations',
  conn: {
    connecting: 'Connecting',
    connected: 'Live',
    reconnecting: 'Reconnecting',
    offline: 'Offline',
  },
  asOf: 'Data as of {time}',
  lang: { switchTo: '中文' },
  kpi: {
    reported: 'Reported today',
    open: 'Open',
    resolved: 'Resolved today',
    overdue: 'Overdue',
    verified: 'Verified',
    dispatched: 'Dispatched',
    closed: 'Closed',
    vsYesterday: 'vs. yesterday',
  },
  response: {
    title: 'Response times · today',
    p50: 'Median',
    p90: 'P90',
    count: '{n} done',
    stage: { verify: 'Verify', dispatch: 'Dispatch', resolve: 'Resolve', close: 'Close' },
  },
  unit: { min: 'min', hour: 'h', day: 'd' },
  children: {
    title: '{level} · today',
    reported: 'Reported',
    open: 'Open',
    overdue: 'Overdue',
    level: { district: 'Districts', street: 'Streets', community: 'Communities', grid: 'Grids' },
  },
  heatmap: { title: 'Reports by hour · last 24 h', hour: '{h}:00' },
  ticker: { title: 'Live reports' },
  empty: 'No data',
  loading: 'Loading…',
  error: {
    subscribe: 'Subscription failed: {message}',
    connect: 'Connection refused: {message}',
    timeout: 'Server not answering, retrying',
  },
  category: {
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
  role: {
    grid_worker: 'Grid worker',
    mobile_worker: 'Mobile grid worker',
    mobile_worker_hint: 'courier / rider',
    resident: 'Resident',
    staff: 'Staff',
  },
  channel: {
    app: 'App',
    wechat: 'WeChat',
    phone: 'Phone',
    hotline: 'Hotline',
    patrol: 'Patrol',
  },
}

export default en
