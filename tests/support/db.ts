import Database from 'better-sqlite3'
import pg from 'pg'

/** PostgreSQL of the test machine; each run creates its own databases there and drops them. */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** SQL with `?` placeholders and quoted identifiers, run the same on SQLite and PostgreSQL. */
export interface Sql {
  all: <T = Record<string, unknown>>(query: string, params?: unknown[]) => Promise<T[]>
  /** Rows changed. */
  run: (query: string, params?: unknown[]) => Promise<number>
  close: () => Promise<void>
}

/** A direct connection to a test server's database, as an operator would have. */
export async function connect(url: string): Promise<Sql> {
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length))
    // Prisma stores SQLite dates as ISO text.
    const bind = (params: unknown[]) => params.map(p => (p instanceof Date ? p.toISOString().replace('Z', '+00:00') : typeof p === 'boolean' ? Number(p) : p))
    return {
      all: async <T>(query: string, params: unknown[] = []) => db.prepare(query).all(...bind(params)) as T[],
      run: async (query, params = []) => db.prepare(query).run(...bind(params)).changes,
      close: async () => {
        db.close()
      },
    }
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  const numbered = (query: string) => {
    let n = 0
    return query.replace(/\?/g, () => `$${++n}`)
  }
  return {
    all: async <T>(query: string, params: unknown[] = []) => (await client.query(numbered(query), params)).rows as T[],
    run: async (query, params = []) => (await client.query(numbered(query), params)).rowCount ?? 0,
    close: () => client.end(),
  }
}

/** Runs `use` with a connection to `url`, closing it afterwards. */
export async function withDatabase<T>(url: string, use: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = await connect(url)
  try {
    return await use(sql)
  }
  finally {
    await sql.close()
  }
}

/** Creates an empty PostgreSQL database for one test server; returns its URL and how to drop it. */
export async function createPostgresDatabase(prefix = 'sessions_test') {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  await withDatabase(POSTGRES_URL, sql => sql.run(`CREATE DATABASE "${name}"`))
  const url = new URL(POSTGRES_URL)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => withDatabase(POSTGRES_URL, sql => sql.run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  }
}

/** Whether PostgreSQL and Redis answer (for a printed skip reason outside CI). */
export async function productionServicesReachable(): Promise<string | undefined> {
  const { Redis } = await import('ioredis')
  try {
    await withDatabase(POSTGRES_URL, sql => sql.all('SELECT 1'))
  }
  catch (error) {
    return `PostgreSQL at ${POSTGRES_URL}: ${(error as Error).message}`
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  try {
    await redis.connect()
    await redis.ping()
  }
  catch (error) {
    return `Redis at ${REDIS_URL}: ${(error as Error).message}`
  }
  finally {
    redis.disconnect()
  }
  return undefined
}
