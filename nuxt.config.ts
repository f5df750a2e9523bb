import { fileURLToPath } from 'node:url'

export default defineNuxtConfig({
  modules: ['@nuxt/eslint'],
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
      // Seconds between background session checks; NUXT_PUBLIC_SESSION_POLL_INTERVAL at run time.
      sessionPollInterval: Number(process.env.SESSION_POLL_INTERVAL) || 300,
      // Seconds before expiry that an idle user is warned (0: never); NUXT_PUBLIC_SESSION_WARN_BEFORE at run time.
      sessionWarnBefore: Number(process.env.SESSION_WARN_BEFORE ?? 120),
    },
  },
  // The project root is the source dir: root-level pages/, composables/ ... (no app/ folder).
  srcDir: '.',
  // On every response: no MIME sniffing, and no full URLs (paths, queries) leaked to other sites.
  routeRules: {
    '/**': { headers: { 'x-content-type-options': 'nosniff', 'referrer-policy': 'strict-origin-when-cross-origin' } },
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
