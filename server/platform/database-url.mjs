// DATABASE_URL, once for the app (server/platform/env.ts, db.ts), prisma.config.ts and the scripts:
// its default and which database it names. Plain JavaScript, so that scripts/prisma.mjs can import it too.

/** The embedded default: a SQLite file in .data/, made on first start. */
export const DEFAULT_DATABASE_URL = 'file:./.data/app.db'

/** What DATABASE_URL must look like, for the error that names it. */
export const DATABASE_URL_FORMAT = 'file:./path.db (SQLite) or postgres://user@host:5432/db (PostgreSQL)'

/**
 * `file:…` is SQLite; `postgres://…` / `postgresql://…` is PostgreSQL; anything else is neither.
 * @param {string} url
 * @returns {'sqlite' | 'postgres' | undefined}
 */
export function databaseProvider(url) {
  if (/^file:./.test(url)) return 'sqlite'
  if (/^postgres(ql)?:\/\/./.test(url)) return 'postgres'
  return undefined
}

/**
 * DATABASE_URL of this environment, or the default when unset or empty.
 * @param {Record<string, string | undefined>} env
 */
export const databaseUrlOf = env => env.DATABASE_URL || DEFAULT_DATABASE_URL
