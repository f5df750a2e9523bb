#!/usr/bin/env node
// `npm start`: apply pending migrations, then serve the production build in .output/.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { runPrisma } from './prisma.mjs'

const server = fileURLToPath(new URL('../.output/server/index.mjs', import.meta.url))
if (!existsSync(server)) {
  console.error('No production build found in .output/: run `npm run build` first.')
  process.exit(1)
}

process.env.NODE_ENV = 'production'
// The browser's poll interval and expiry warning are public runtime config, which Nuxt reads from NUXT_PUBLIC_*.
if (process.env.SESSION_POLL_INTERVAL) {
  process.env.NUXT_PUBLIC_SESSION_POLL_INTERVAL ??= process.env.SESSION_POLL_INTERVAL
}
if (process.env.SESSION_WARN_BEFORE) {
  process.env.NUXT_PUBLIC_SESSION_WARN_BEFORE ??= process.env.SESSION_WARN_BEFORE
}

const code = runPrisma(['migrate', 'deploy'], { quiet: true })
if (code !== 0) {
  console.error('Database migrations failed: the server was not started.')
  process.exit(code)
}
await import(server)
