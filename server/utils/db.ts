import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../../prisma/generated/sqlite/client'
import { PrismaClient as PostgresClient } from '../../prisma/generated/postgres/client'

/** Which database DATABASE_URL selects. */
export type DatabaseProvider = 'sqlite' | 'postgres'

/** `file:…` is SQLite; `postgres://…` / `postgresql://…` is PostgreSQL. */
export function databaseProvider(url: string): DatabaseProvider {
  return url.startsWith('file:') ? 'sqlite' : 'postgres'
}

/**
 * A Prisma client for `url`, on SQLite or PostgreSQL. Both clients come from the same models
 * (prisma/models.prisma), so the app uses one type for either.
 */
export function createPrismaClient(url: string): PrismaClient {
  if (databaseProvider(url) === 'postgres') {
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as PrismaClient
  }
  const file = url.replace(/^file:/, '')
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  return new PrismaClient({ adapter: new PrismaBetterSQLite3({ url }) })
}

let client: PrismaClient | undefined

/** The one Prisma client of this process (DATABASE_URL). */
export function useDb(): PrismaClient {
  client ??= createPrismaClient(useEnv().DATABASE_URL)
  return client
}
