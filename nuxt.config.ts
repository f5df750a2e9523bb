import { fileURLToPath } from 'node:url'
import { browserConfig, BROWSER_DEFAULTS } from './server/platform/env'

export default defineNuxtConfig({
  modules: ['@nuxt/eslint', '@vueuse/nuxt'],
  devtools: { enabled: false },
  app: {
    head: {
      htmlAttrs: { lang: 'en' },
      title: 'Sessions',
      meta: [{ name: 'viewport', content: 'width=device-width, initial-scale=1' }],
    },
  },
  css: ['~/assets/css/main.css'],
  runtimeConfig: {
    public: {
      // SESSION_POLL_INTERVAL and SESSION_WARN_BEFORE: the defaults here, the validated values at
      // run time (server/plugins/0.validate-env.ts).
      ...browserConfig(BROWSER_DEFAULTS),
    },
  },
  // The project root is the source dir: root-level pages/, composables/ ... (no app/ folder).
  srcDir: '.',
  // On every response: no MIME sniffing, and no full URLs (paths, queries) leaked to other sites.
  routeRules: {
    '/**': { headers: { 'x-content-type-options': 'nosniff', 'referrer-policy': 'strict-origin-when-cross-origin' } },
    // Their address carries an emailed link's token: no cache (a proxy's, or the app's own page cache) keeps them.
    '/reset-password': { headers: { 'cache-control': 'private, no-store' } },
    '/verify-email': { headers: { 'cache-control': 'private, no-store' } },
  },
  compatibilityDate: '2025-07-15',
  nitro: {
    experimental: { tasks: true },
    // Hourly housekeeping; `npm run sessions:sweep` does the same on demand.
    scheduledTasks: { '17 * * * *': ['sessions:sweep'] },
  },
  typescript: {
    tsConfig: { compilerOptions: { noUncheckedIndexedAccess: true } },
  },
  hooks: {
    // Our JSON error handler answers /api/* first; Nuxt's HTML error page handles the rest.
    'nitro:config'(config) {
      const nuxtHandlers = [config.errorHandler].flat().filter((h): h is string => !!h)
      config.errorHandler = [fileURLToPath(new URL('./server/error.ts', import.meta.url)), ...nuxtHandlers]
    },
  },
  eslint: { config: { stylistic: true } },
})
