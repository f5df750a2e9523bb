import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaClient } from '../../prisma/generated/sqlite/client'

let client: PrismaClient | undefined

/** The one Prisma client of this process. */
export function useDb(): PrismaClient {
  if (!client) {
    const url = useEnv().DATABASE_URL
    const file = url.replace(/^file:/, '')
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
    client = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url }) })
  }
  return client
}
