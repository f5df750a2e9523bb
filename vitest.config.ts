import { isCI } from 'ci-info'
import { defineVitestProject } from '@nuxt/test-utils/config'
import { defineConfig } from 'vitest/config'
import { productionServicesReachable } from './tests/support/db'

const e2e = {
  environment: 'node',
  globalSetup: ['tests/support/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 90_000,
}

// The HTTP-level suite runs a second time on PostgreSQL with Redis, the production setup. Under
// CI it always runs (and fails if they are down); elsewhere it is skipped with the reason.
const missing = isCI ? undefined : await productionServicesReachable()
if (missing) console.warn(`Skipping the e2e-postgres project: ${missing}`)

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], environment: 'node' },
      },
      await defineVitestProject({
        test: {
          name: 'nuxt',
          include: ['tests/nuxt/**/*.test.ts'],
          environment: 'nuxt',
          setupFiles: ['tests/support/nuxt-fetch.ts'],
          environmentOptions: { nuxt: { domEnvironment: 'happy-dom' } },
        },
      }),
      // One build, and one shared server per project, for every HTTP-level and browser test.
      { test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts', 'tests/browser/**/*.test.ts'], exclude: ['**/*.postgres.test.ts'], ...e2e } },
      // *.sqlite.test.ts files choose SQLite themselves (the embedded default's own faults): once is enough.
      ...(missing ? [] : [{ test: { name: 'e2e-postgres', include: ['tests/e2e/**/*.test.ts'], exclude: ['**/*.sqlite.test.ts'], env: { E2E_DATABASE: 'postgres' }, ...e2e } }]),
    ],
  },
})
