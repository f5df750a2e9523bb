import { defineConfig } from 'prisma/config'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

const url = process.env.DATABASE_URL || 'file:./.data/app.db'
if (!url.startsWith('file:')) throw new Error('Invalid configuration: DATABASE_URL must be a SQLite URL such as file:./.data/app.db')
const file = url.replace(/^file:/, '')

export default defineConfig({
  // The WebAssembly schema engine: this machine cannot download Prisma's native one.
  engine: 'js',
  experimental: { adapter: true },
  schema: 'prisma/sqlite/schema.prisma',
  migrations: { path: 'prisma/sqlite/migrations' },
  async adapter() {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    return new PrismaBetterSQLite3({ url })
  },
})
