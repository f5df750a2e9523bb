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

const code = runPrisma(['migrate', 'deploy'], { quiet: true })
if (code !== 0) {
  console.error('Database migrations failed: the server was not started.')
  process.exit(code)
}
await import(server)
