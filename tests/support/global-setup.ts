import { spawnSync } from 'node:child_process'
import type { TestProject } from 'vitest/node'
import { ADMIN_EMAIL, POLL_INTERVAL, SESSION_EXPIRES_IN, SESSION_UPDATE_AGE } from './config'
import { rootDir, startServer } from './server'

/** Builds the app once for every e2e and browser test, then serves it through `npm start`. */
export default async function setup(project: TestProject) {
  if (process.env.E2E_SKIP_BUILD !== '1') {
    const build = spawnSync(process.execPath, ['node_modules/nuxt/bin/nuxt.mjs', 'build'], { cwd: rootDir, stdio: 'inherit' })
    if (build.status !== 0) throw new Error('nuxt build failed')
  }
  const server = await startServer({
    SESSION_POLL_INTERVAL: String(POLL_INTERVAL),
    SESSION_EXPIRES_IN: String(SESSION_EXPIRES_IN),
    SESSION_UPDATE_AGE: String(SESSION_UPDATE_AGE),
    ADMIN_EMAILS: ADMIN_EMAIL,
  })
  project.provide('baseURL', server.url)
  project.provide('dbFile', server.dbFile)
  return () => server.stop()
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
    dbFile: string
  }
}
