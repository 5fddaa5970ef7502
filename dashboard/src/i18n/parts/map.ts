/** UI strings of the wall's map panel, both locales (merged into the messages by ../index.ts). */
const zhCN = {
  map: {
    /** Caption of the hex layer's colour scale. */
    legend: { w24h: '近24小时上报数', w7d: '近7天上报数' },
    loading: '地图加载中…',
    noBoundaries: '该范围暂无边界数据',
    error: '地图暂不可用：{message}',
  },
}

const en: typeof zhCN = {
  map: {
    legend: { w24h: 'Reports, last 24 h', w7d: 'Reports, last 7 days' },
    loading: 'Loading the map…',
    noBoundaries: 'No boundaries for this area yet',
    error: 'Map not available: {message}',
  },
}

export default { 'zh-CN': zhCN, en }
