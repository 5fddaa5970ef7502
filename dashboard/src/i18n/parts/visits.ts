/** UI strings of the wall's visits panel, both locales (merged into the messages by ../index.ts). */
const zhCN = {
  visits: {
    title: '重点人群走访 · 近7日',
    coverage: '覆盖率',
    visited: '已访 {n}',
    expected: '/ 应访 {n} 户',
    dueTotal: '走访超期 {n} 户',
    days: '{n}天未访',
    more: '另有 {n} 户',
    none: '暂无超期未访',
    /** Key-population groups (DOMAIN: 老幼病残孕, and people back for the Spring Festival). */
    group: { elderly: '老人', child: '儿童', sick: '病患', disabled: '残疾', pregnant: '孕妇', returnee: '返乡' },
  },
}

const en: typeof zhCN = {
  visits: {
    title: 'Key-population visits · 7 d',
    coverage: 'Coverage',
    visited: 'visited {n}',
    expected: 'of {n} hh',
    dueTotal: '{n} due',
    days: '{n} days',
    more: '{n} more',
    none: 'No overdue visits',
    group: { elderly: 'Elderly', child: 'Child', sick: 'Sick', disabled: 'Disabled', pregnant: 'Pregnant', returnee: 'Returnee' },
  },
}

export default { 'zh-CN': zhCN, en }
