import { isCI } from 'ci-info'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { syncSchemas } from '../../scripts/prisma.mjs'
import { connect, createPostgresDatabase, productionServicesReachable, type Sql } from '../support/db'

const root = new URL('../..', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'migrations-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function prisma(args: string[], fileOrUrl: string) {
  const result = spawnSync(process.execPath, ['scripts/prisma.mjs', ...args], {
    cwd: root, env: { ...process.env, DATABASE_URL: fileOrUrl.includes('://') ? fileOrUrl : `file:${fileOrUrl}` }, encoding: 'utf8',
  })
  expect(result.status, result.stderr).toBe(0)
  return result.stdout
}

/** Tables, columns, indexes and foreign keys of a SQLite file, in a comparable form. */
function shape(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name`).all() as { name: string }[]
    return Object.fromEntries(tables.map(({ name }) => [name, {
      // By name: ALTER TABLE appends columns, so their order may differ from the models' without meaning anything.
      columns: (db.prepare(`PRAGMA table_info("${name}")`).all() as { cid?: number, name: string }[])
        .map(({ cid: _cid, ...column }) => column).sort((a, b) => a.name.localeCompare(b.name)),
      indexes: (db.prepare(`PRAGMA index_list("${name}")`).all() as { name: string, unique: number }[])
        .map(i => ({ unique: i.unique, columns: db.prepare(`PRAGMA index_info("${i.name}")`).all().map(c => (c as { name: string }).name) }))
        .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
      foreignKeys: db.prepare(`PRAGMA foreign_key_list("${name}")`).all(),
    }]))
  }
  finally {
    db.close()
  }
}

describe('committed SQLite migrations', () => {
  it('build exactly the schema the Prisma models describe', () => {
    const migrated = join(dir, 'migrated.db')
    const fromModels = join(dir, 'models.db')
    prisma(['migrate', 'deploy'], migrated)
    // `db push` never exits here, so apply the SQL Prisma derives from the models to an empty file instead.
    const sql = prisma(['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/sqlite/schema.prisma', '--script'], fromModels)
    new Database(fromModels).exec(sql).close()
    const expected = shape(fromModels)
    expect(Object.keys(expected)).toEqual(['account', 'audit_event', 'jwks', 'session', 'twoFactor', 'user', 'verification'])
    expect(shape(migrated)).toEqual(expected)
  }, 60_000)
})

describe('the models', () => {
  it('are written into both providers\' schemas (edit prisma/models.prisma, then `npm run db:generate`)', () => {
    expect(syncSchemas({ write: false })).toEqual([])
  })
})

/** Tables, columns, indexes and foreign keys of a PostgreSQL database, in a comparable form. */
async function pgShape(sql: Sql) {
  const columns = await sql.all(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name NOT LIKE '\\_%' ORDER BY table_name, column_name`)
  const indexes = await sql.all(`SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename NOT LIKE '\\_%' ORDER BY tablename, indexdef`)
  const foreignKeys = await sql.all(`SELECT conrelid::regclass::text AS "table", pg_get_constraintdef(oid) AS def FROM pg_constraint
    WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY 1, 2`)
  return { columns, indexes, foreignKeys }
}

const postgresMissing = isCI ? undefined : await productionServicesReachable()
if (postgresMissing) console.warn(`Skipping the PostgreSQL migration test: ${postgresMissing}`)

describe.skipIf(postgresMissing)('committed PostgreSQL migrations', () => {
  it('build exactly the schema the Prisma models describe, plus the revocation trigger', async () => {
    const migrated = await createPostgresDatabase('migrations_test')
    const fromModels = await createPostgresDatabase('migrations_test')
    const [a, b] = [await connect(migrated.url), await connect(fromModels.url)]
    try {
      prisma(['migrate', 'deploy'], migrated.url)
      const script = prisma(['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/postgres/schema.prisma', '--script'], fromModels.url)
      await b.run(script)
      const expected = await pgShape(b)
      expect(new Set(expected.columns.map(c => (c as { table_name: string }).table_name))).toEqual(new Set(['account', 'audit_event', 'jwks', 'session', 'twoFactor', 'user', 'verification']))
      expect(await pgShape(a)).toEqual(expected)
      const triggers = await a.all<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`)
      expect(triggers.map(t => t.tgname)).toEqual(['session_deleted', 'session_truncated', 'session_updated', 'user_changed', 'user_truncated'])
    }
    finally {
      await a.close()
      await b.close()
      await migrated.drop()
      await fromModels.drop()
    }
  }, 60_000)
})
