import { defineConfig } from 'prisma/config'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { DATABASE_URL_FORMAT, databaseProvider, databaseUrlOf } from './server/platform/database-url.mjs'

const url = databaseUrlOf(process.env)
const provider = databaseProvider(url)
if (!provider) throw new Error(`Invalid configuration: DATABASE_URL must be ${DATABASE_URL_FORMAT}`)

/**
 * prisma/orm#27403: the CLI's catalog queries return columns of type `name` (oid 19), which
 * @prisma/adapter-pg 6.19 cannot map. They are text, so say so. Used by the CLI only.
 */
class CatalogClient extends pg.Client {
  override query(...args: unknown[]): never {
    const asText = (result: pg.QueryResult) => {
      for (const field of result?.fields ?? []) if (field.dataTypeID === 19) field.dataTypeID = 25
      return result
    }
    const call = super.query as (...a: unknown[]) => never
    const callback = args.at(-1)
    if (typeof callback === 'function') {
      return call.apply(this, [...args.slice(0, -1), (error: Error, result: pg.QueryResult) => callback(error, result && asText(result))])
    }
    const submittable = args[0] as { submit?: unknown } | undefined
    if (typeof submittable?.submit === 'function') return call.apply(this, args)
    return (call.apply(this, args) as Promise<pg.QueryResult>).then(asText) as never
  }
}

/** The CLI's adapter: catalog types fixed, and a migration sent whole, so `$$` function bodies keep their semicolons. */
class CliPrismaPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect()
    const pool = adapter.underlyingDriver()
    adapter.executeScript = async (script: string) => {
      await pool.query(script).catch((error: unknown) => (adapter as unknown as { onError: (e: unknown) => never }).onError(error))
    }
    return adapter
  }
}

export default defineConfig({
  // The WebAssembly schema engine: this machine cannot download Prisma's native one.
  engine: 'js',
  experimental: { adapter: true },
  schema: `prisma/${provider}/schema.prisma`,
  migrations: { path: `prisma/${provider}/migrations` },
  async adapter() {
    if (provider === 'postgres') return new CliPrismaPg(new pg.Pool({ connectionString: url, Client: CatalogClient, idleTimeoutMillis: 100 }))
    const file = url.replace(/^file:/, '')
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    return new PrismaBetterSQLite3({ url })
  },
})
