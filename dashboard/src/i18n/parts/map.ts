/** UI strings of the wall's map panel, both locales (merged into the messages by ../index.ts). */
export default {
  'zh-CN': {},
  en: {},
}
