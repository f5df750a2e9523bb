import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'

const root = new URL('../..', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'migrations-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function prisma(args: string[], file: string) {
  const result = spawnSync(process.execPath, ['scripts/prisma.mjs', ...args], {
    cwd: root, env: { ...process.env, DATABASE_URL: `file:${file}` }, encoding: 'utf8',
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
    expect(Object.keys(expected)).toEqual(['account', 'audit_event', 'session', 'user', 'verification'])
    expect(shape(migrated)).toEqual(expected)
  }, 60_000)
})
