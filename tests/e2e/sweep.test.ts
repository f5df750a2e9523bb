import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { describe, expect, inject, it } from 'vitest'
import { database, request, sessionsOf, setSessionTimes, signUp } from '../support/http'
import { rootDir } from '../support/server'

const ago = (ms: number) => new Date(Date.now() - ms)

function sweep(...args: string[]) {
  const result = spawnSync('npm', ['run', '--silent', 'sessions:sweep', '--', ...args], {
    cwd: rootDir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
  })
  expect(result.status, result.stderr).toBe(0)
  return result.stdout
}

describe('npm run sessions:sweep (also an hourly Nitro task)', () => {
  it('deletes expired sessions and verification rows in bounded batches, and nothing that is still valid', async () => {
    const expired = [await signUp(), await signUp(), await signUp()]
    const live = await signUp()
    for (const user of expired) await setSessionTimes((await sessionsOf(user.email))[0]!.id, { expiresAt: ago(60_000) })
    const identifier = `sweep-${randomUUID()}`
    await database(async (sql) => {
      for (const [id, expiresAt] of [[`${identifier}-old`, ago(1000)], [`${identifier}-new`, new Date(Date.now() + 3600_000)]] as const) {
        await sql.run('INSERT INTO "verification" ("id", "identifier", "value", "expiresAt", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?)',
          [id, identifier, 'x', expiresAt, new Date(), new Date()])
      }
    })

    const output = sweep('--batch-size', '2')
    const [, sessions, verifications, batches] = output.match(/Deleted (\d+) expired sessions and (\d+) expired verification rows in (\d+) batches/)!.map(Number)
    // Other test files share this database, so at least ours.
    expect(sessions).toBeGreaterThanOrEqual(3)
    expect(verifications).toBeGreaterThanOrEqual(1)
    expect(batches).toBeGreaterThanOrEqual(3) // 3 sessions at 2 per batch, then the verification batch
    for (const user of expired) expect(await sessionsOf(user.email)).toHaveLength(0)
    expect(await sessionsOf(live.email)).toHaveLength(1)
    expect((await request('/api/me', { cookie: live.cookie })).status).toBe(200)
    const left = await database(sql => sql.all<{ id: string }>('SELECT "id" FROM "verification" WHERE "identifier" = ?', [identifier]))
    expect(left.map(r => r.id)).toEqual([`${identifier}-new`])
  })

  it('refuses a bad batch size with usage and exit code 2', () => {
    const result = spawnSync('npm', ['run', '--silent', 'sessions:sweep', '--', '--batch-size', '0'], { cwd: rootDir, encoding: 'utf8' })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('Usage: npm run sessions:sweep')
  })
})
