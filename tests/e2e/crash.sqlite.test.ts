import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { afterAll, describe, expect, it } from 'vitest'
import { withDatabase } from '../support/db'
import { request, signUp, writeLoad } from '../support/http'
import { startServer, type TestServer } from '../support/server'

/** The embedded default: one process holding the SQLite file, killed (-9) while it writes. */
const dir = mkdtempSync(join(tmpdir(), 'crash-sqlite-'))
const databaseUrl = `file:${join(dir, 'app.db')}`
const env = { BETTER_AUTH_SECRET: randomBytes(32).toString('base64') }
const servers: TestServer[] = []
const start = async () => {
  const server = await startServer(env, { backend: 'sqlite', databaseUrl })
  servers.push(server)
  return server
}
afterAll(async () => {
  for (const server of servers) await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('SQLite, the server killed in the middle of writing', () => {
  it('loses no acknowledged sign-up or sign-out, and the database is intact', async () => {
    const victim = await start()
    const signedIn = await Promise.all(Array.from({ length: 20 }, () => signUp(victim.url, undefined, { onboard: false })))
    const load = writeLoad(victim.url, 'crash', { signUps: 3, signOuts: signedIn })
    await load.underWay(3)
    process.kill(victim.pid, 'SIGKILL')
    await load.stop()
    const { acknowledged, signedOut } = load

    expect(acknowledged.length).toBeGreaterThan(0)
    expect(signedOut.length).toBeGreaterThan(0)
    const { integrity, emails } = await withDatabase(databaseUrl, async sql => ({
      integrity: await sql.all<{ integrity_check: string }>('PRAGMA integrity_check'),
      emails: new Set((await sql.all<{ email: string }>('SELECT "email" FROM "user" WHERE "email" LIKE \'crash-%\'')).map(u => u.email)),
    }))
    expect(integrity).toEqual([{ integrity_check: 'ok' }])
    expect(acknowledged.filter(email => !emails.has(email))).toEqual([])

    // The restarted server honours exactly what was acknowledged.
    const restarted = await start()
    const status = async (cookie: string) => (await request('/api/me', { base: restarted.url, cookie })).status
    for (const cookie of signedOut) expect(await status(cookie)).toBe(401)
    const stillIn = signedIn.filter(user => !signedOut.includes(user.cookie))
    expect(stillIn.length).toBeGreaterThan(0)
    expect(await status(stillIn.at(-1)!.cookie)).toBe(200)
  }, 60_000)
})
