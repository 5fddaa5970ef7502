/** UI strings of the wall's visits panel, both locales (merged into the messages by ../index.ts). */
export default {
  'zh-CN': {},
  en: {},
}
