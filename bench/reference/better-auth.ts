// Reference row: plain better-auth with its defaults (Kysely on better-sqlite3, or on a pg Pool
// when DATABASE is a postgres:// URL; email and password, no plugins, no secondary storage),
// served by its own Node handler. Its GET /api/auth/get-session is the default session check
// every better-auth app pays. PORT chooses the port; DATABASE the file or the URL.
import { createServer } from 'node:http'
import Database from 'better-sqlite3'
import { betterAuth } from 'better-auth'
import { getMigrations } from 'better-auth/db/migration'
import { toNodeHandler } from 'better-auth/node'
import pg from 'pg'

const port = Number(process.env.PORT)
const options = {
  baseURL: `http://127.0.0.1:${port}`,
  secret: 'reference-secret-reference-secret-reference',
  database: process.env.DATABASE!.startsWith('postgres') ? new pg.Pool({ connectionString: process.env.DATABASE }) : new Database(process.env.DATABASE!),
  emailAndPassword: { enabled: true },
  // The bench signs up from one address: better-auth's own limiter would refuse it, not measure it.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { disabled: true },
}
await (await getMigrations(options)).runMigrations()
const auth = betterAuth(options)
createServer(toNodeHandler(auth)).listen(port, '127.0.0.1', () => console.log('listening'))
