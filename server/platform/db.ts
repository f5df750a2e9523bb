import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely'
import pg from 'pg'
import { PrismaClient } from '../../prisma/generated/sqlite/client'
import { PrismaClient as PostgresClient } from '../../prisma/generated/postgres/client'
import { databaseUnreachable, Outage, rootMessage } from './outage'
import { useEnv } from './env'

import { databaseProvider } from './database-url.mjs'

export { databaseProvider }

/** How long a new PostgreSQL connection may take, and a query, before the database counts as down. */
export const DATABASE_CONNECT_TIMEOUT_MS = 1000
export const DATABASE_QUERY_TIMEOUT_MS = 3000
/** How the app's PostgreSQL connections name themselves (see the migration notify_skip_app_refresh). */
export const APPLICATION_NAME = 'sessionkit'
/** The application_name of each instance's LISTEN connection (plugins/revocation-listener.ts), as pg_stat_activity shows it. */
export const LISTEN_APPLICATION_NAME = 'sessionkit-listen'

/**
 * The database as this process sees it. Once a query finds it unreachable (refused, timed out,
 * starting up), queries fail at once with the same error instead of each waiting for a
 * connection, until a probe on a connection of its own (every second) reaches it again.
 */
export const databaseOutage = new Outage('database', 'requests that need it answer 503 until it is back', { probe: () => probe(), failsRequests: true })

/** Reaches the database of the client or pool made last (see createPrismaClient, guardedPool). */
let probe: () => Promise<unknown> = async () => {}

async function probePostgres(url: string) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS, query_timeout: DATABASE_CONNECT_TIMEOUT_MS })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.query('SELECT 1')
  }
  finally {
    client.end().catch(() => {})
  }
}

/** What a query gets while the database is known to be down: a socket timeout, as the driver would report one. */
const stillDown = () => Object.assign(new Error('The database is unavailable (waiting for it to come back)'), { code: 'ETIMEDOUT', syscall: 'connect', errno: -110 })

const submittable = (query: unknown) => typeof (query as { submit?: unknown } | null)?.submit === 'function'
const endsTransaction = (query: unknown) => /^\s*(?:COMMIT|ROLLBACK)\b/i.test(typeof query === 'string' ? query : String((query as { text?: unknown } | null)?.text ?? ''))

/** A pg pool with bounded waits, that fails fast while the database is down (see databaseOutage). */
export function guardedPool(url: string): pg.Pool {
  // Prisma keeps its timestamps (columns without a time zone) in UTC; so does anything else on
  // these connections (better-auth's Kysely), whatever TZ the server runs in.
  pg.defaults.parseInputDatesAsUTC = true
  // better-auth may use the pool before anything makes a Prisma client: the probe is the pool's.
  probe = () => probePostgres(url)
  const types = new pg.TypeOverrides()
  types.setTypeParser(pg.types.builtins.TIMESTAMP, text => new Date(`${text.replace(' ', 'T')}Z`))
  // application_name: the revocation trigger tells the app's own session refreshes from anyone else's changes.
  const pool = new pg.Pool({ connectionString: url, application_name: APPLICATION_NAME, connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS, query_timeout: DATABASE_QUERY_TIMEOUT_MS, types })
  const watched = <T>(run: () => Promise<T>): Promise<T> => {
    if (databaseOutage.down) {
      databaseOutage.touch()
      return Promise.reject(stillDown())
    }
    return run().catch((error: unknown) => {
      if (databaseUnreachable(error)) databaseOutage.begin(rootMessage(error))
      throw error
    })
  }
  // The promise forms, which Prisma's adapter and Kysely use (pg's own query() calls connect() with
  // a callback: left alone), and the queries on a connection taken from the pool (a transaction's;
  // each of Kysely's), so that a connection lost mid-query ends like one refused.
  // Not watched: a Query or Cursor object (pg's submittable form, which returns no promise), and
  // the COMMIT or ROLLBACK that ends a transaction (refused, it would keep its connection).
  const promiseForm = <F extends (...args: never[]) => unknown>(run: F): F => ((...args: Parameters<F>) =>
    typeof args.at(-1) === 'function' || submittable(args[0]) || endsTransaction(args[0])
      ? run(...args)
      : watched(() => run(...args) as Promise<unknown>)) as F
  const watchedClients = new WeakSet<pg.PoolClient>()
  const connect = pool.connect.bind(pool) as (callback?: unknown) => Promise<pg.PoolClient>
  pool.query = promiseForm(pool.query.bind(pool)) as typeof pool.query
  pool.connect = ((callback?: unknown) => callback
    ? connect(callback)
    : watched(() => connect()).then((client) => {
        if (!watchedClients.has(client)) {
          watchedClients.add(client)
          client.query = promiseForm(client.query.bind(client)) as typeof client.query
        }
        return client
      })) as typeof pool.connect
  return pool
}

/**
 * A Prisma client for `url`, on SQLite or PostgreSQL. Both clients come from the same models
 * (prisma/models.prisma), so the app uses one type for either.
 */
export function createPrismaClient(url: string, pool?: pg.Pool): PrismaClient {
  if (databaseProvider(url) === 'postgres') {
    return new PostgresClient({ adapter: new PrismaPg(pool ?? guardedPool(url), { disposeExternalPool: true }) }) as unknown as PrismaClient
  }
  const file = url.replace(/^file:/, '')
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const adapter = new PrismaBetterSQLite3({ url })
  const connect = adapter.connect.bind(adapter)
  let connection: SqliteConnection | undefined
  const sqlite = new PrismaClient({
    adapter: Object.assign(adapter, {
      connect: () => connect().then((opened) => {
        connection = connectionOf(opened)
        return opened
      }),
    }),
  })
  sqliteConnections.set(sqlite, () => connection)
  probe = () => sqlite.$queryRaw`SELECT 1`
  return sqlite
}

type SqliteStatement = ReturnType<SqliteDatabase['prepare']> & { safeIntegers: (on: boolean) => SqliteStatement }
interface SqliteConnection { prepare: (sql: string) => SqliteStatement }

/** Each SQLite Prisma client's better-sqlite3 connection, once it has opened it. */
const sqliteConnections = new WeakMap<PrismaClient, () => SqliteConnection | undefined>()

function connectionOf(adapter: unknown): SqliteConnection {
  const client = (adapter as { client?: SqliteConnection }).client
  // Prisma's adapter keeps its connection as `client` (@prisma/adapter-better-sqlite3 6.19); without it, better-auth would have no database.
  if (typeof client?.prepare !== 'function') throw new Error('@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`: see connectionOf in server/platform/db.ts')
  return client
}

const dataVersions = new WeakMap<SqliteConnection, SqliteStatement>()

/**
 * How many commits other connections have made to this process's SQLite file, as counted by
 * its one connection (PRAGMA data_version): its own writes leave the count alone, a `sqlite3`
 * session or a script changes it. Undefined until the connection is open. Synchronous and a
 * few microseconds: it reads a counter, not the database.
 */
export function sqliteDataVersion(db: PrismaClient): number | undefined {
  const connection = sqliteConnections.get(db)?.()
  if (!connection) return undefined
  let statement = dataVersions.get(connection)
  if (!statement) dataVersions.set(connection, statement = connection.prepare('PRAGMA data_version').safeIntegers(false))
  return (statement.all([]) as { data_version: number }[])[0]!.data_version
}

let kysely: Kysely<unknown> | undefined

/**
 * The query builder better-auth's adapter runs on: on PostgreSQL, on the pool Prisma uses; on
 * SQLite, on Prisma's own connection. A second connection would meet Prisma's open transactions
 * with SQLITE_BUSY, and wait for them synchronously, the event loop and so the transaction with it.
 */
export function useKysely(): Kysely<unknown> {
  kysely ??= databaseProvider(useEnv().DATABASE_URL) === 'postgres'
    ? new Kysely({ dialect: new PostgresDialect({ pool: usePool() }) })
    : new Kysely({
        dialect: new SqliteDialect({
          database: async () => {
            const db = useDb()
            await db.$connect()
            const connection = sqliteConnections.get(db)!
            // Numbers as numbers (Prisma reads integers as BigInt on this connection); closing is Prisma's.
            return { prepare: (sql: string) => connection()!.prepare(sql).safeIntegers(false), close: () => {} }
          },
        }),
      })
  return kysely
}

let client: PrismaClient | undefined
let pool: pg.Pool | undefined

/** The one Prisma client of this process (DATABASE_URL). */
export function useDb(): PrismaClient {
  if (!client) {
    const url = useEnv().DATABASE_URL
    client = createPrismaClient(url, databaseProvider(url) === 'postgres' ? usePool() : undefined)
  }
  return client
}

/** On PostgreSQL, the one connection pool of this process, which Prisma and better-auth share. */
export function usePool(): pg.Pool {
  pool ??= guardedPool(useEnv().DATABASE_URL)
  return pool
}
