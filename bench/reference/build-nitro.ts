// Builds bench/reference/nitro (one JSON route, Nitro's defaults, the node-server preset) into
// the directory given as the first argument; its server is <dir>/server/index.mjs.
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, copyPublicAssets, createNitro, prepare } from 'nitropack'

const rootDir = fileURLToPath(new URL('./nitro', import.meta.url))
const nitro = await createNitro({ rootDir, dev: false, preset: 'node-server', compatibilityDate: '2026-01-01', logLevel: 1, buildDir: join(process.argv[2]!, '.nitro'), output: { dir: process.argv[2]! } })
await prepare(nitro)
await copyPublicAssets(nitro)
await build(nitro)
await nitro.close()
