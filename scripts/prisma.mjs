#!/usr/bin/env node
// Runs the Prisma CLI. PRISMA_QUERY_ENGINE_LIBRARY and PRISMA_SCHEMA_ENGINE_BINARY point at an
// existing file because otherwise the CLI tries to download native engines, which this project
// never uses (the client is `engineType = "client"` and migrations use the WebAssembly engine).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'

const root = fileURLToPath(new URL('..', import.meta.url))
const placeholder = fileURLToPath(new URL('../package.json', import.meta.url))

/** Variables from .env that the environment does not already set (as `nuxt dev` reads them). */
function dotenv() {
  const file = `${root}.env`
  if (!existsSync(file)) return {}
  return Object.fromEntries(Object.entries(parseEnv(readFileSync(file, 'utf8'))).filter(([k]) => process.env[k] === undefined))
}

/** Runs `prisma ...args` in the project root; returns the exit code. */
export function runPrisma(args, { quiet = false } = {}) {
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js')
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    env: {
      ...dotenv(),
      ...process.env,
      PRISMA_QUERY_ENGINE_LIBRARY: placeholder,
      PRISMA_SCHEMA_ENGINE_BINARY: placeholder,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
    },
  })
  // Quiet: Prisma's chatter only matters when it failed.
  if (quiet && result.status !== 0) process.stderr.write(`${result.stdout}${result.stderr}`)
  return result.status ?? 1
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exit(runPrisma(process.argv.slice(2)))
}
