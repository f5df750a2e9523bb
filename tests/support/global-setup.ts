import { randomUUID } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import type { TestProject } from 'vitest/node'
import { POLL_INTERVAL, SESSION_CACHE_TTL, SESSION_EXPIRES_IN, SESSION_UPDATE_AGE } from './config'
import { createAdmin } from './http'
import { rootDir, startServer } from './server'

/** One production build per test run, however many projects serve it. */
function buildOnce() {
  if (process.env.E2E_SKIP_BUILD === '1') return
  const build = spawnSync(process.execPath, ['node_modules/nuxt/bin/nuxt.mjs', 'build'], { cwd: rootDir, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('nuxt build failed')
  process.env.E2E_SKIP_BUILD = '1'
}

/**
 * Builds the app once, then serves it through `npm start` for one e2e project: on SQLite, or
 * (E2E_DATABASE=postgres in the project's env) on a new PostgreSQL database with Redis.
 */
export default async function setup(project: TestProject) {
  buildOnce()
  const server = await startServer({
    SESSION_POLL_INTERVAL: String(POLL_INTERVAL),
    SESSION_EXPIRES_IN: String(SESSION_EXPIRES_IN),
    SESSION_UPDATE_AGE: String(SESSION_UPDATE_AGE),
    SESSION_CACHE_TTL: String(SESSION_CACHE_TTL),
  }, { backend: project.config.env?.E2E_DATABASE === 'postgres' ? 'postgres' : 'sqlite' })
  // The administrator every test file signs in as, made once, as an operator would. A new address
  // each run: Redis, shared by every run on this machine, keeps per-account counts for an hour.
  const adminEmail = `admin-${randomUUID()}@example.com`
  await createAdmin(server.url, server.databaseUrl, adminEmail)
  project.provide('adminEmail', adminEmail)
  project.provide('baseURL', server.url)
  project.provide('databaseUrl', server.databaseUrl)
  return () => server.stop()
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseURL: string
    databaseUrl: string
    adminEmail: string
  }
}
