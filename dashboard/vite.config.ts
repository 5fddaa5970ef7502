import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const backend = 'http://localhost:8080'

export default defineConfig({
  root: here('.'),
  plugins: [vue()],
  resolve: {
    // Type contracts shared with the server (DESIGN §1): imported, never copied.
    alias: { '@contracts': here('../server/contracts') },
  },
  define: {
    // vue-i18n's esm-bundler build reads these; composition API only, no devtools in prod.
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
  },
  server: {
    proxy: {
      '/api': backend,
      '/healthz': backend,
      '/socket.io': { target: backend, ws: true },
    },
  },
  build: {
    outDir: here('./dist'),
    emptyOutDir: true,
    target: 'es2022',
    // The wall is one screen; a 500 kB warning would only be noise next to the 600 kB gzip budget.
    chunkSizeWarningLimit: 1200,
  },
})
