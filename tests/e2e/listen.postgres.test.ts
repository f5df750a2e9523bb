import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withDatabase } from '../support/db'
import { request, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'

// What PostgreSQL tells an instance through its LISTEN connection, beyond rows deleted or changed.
let app: TestServer
const status = async (cookie: string) => (await request('/api/me', { base: app.url, cookie })).status
const hearsChanges = async (): Promise<boolean> => (await (await request('/api/bench/cache', { base: app.url })).json()).data.hearsChanges
const sql = (query: string) => withDatabase(app.databaseUrl, db => db.run(query))
const logged = (pattern: RegExp) => app.logs().split('\n').filter(line => pattern.test(line)).length
/** Ends the instance's LISTEN connection, as a restart of PostgreSQL or a network fault would. */
const dropListen = () => sql('SELECT pg_terminate_backend("pid") FROM pg_stat_activity WHERE "datname" = current_database() AND "application_name" = \'sessionkit-listen\'')

beforeAll(async () => {
  app = await startServer({ BENCH_ROUTES: 'true' }, { backend: 'postgres' })
})
afterAll(() => app?.stop())

describe('the LISTEN connection', () => {
  it('hears a TRUNCATE: every session cached (and copied to Redis) is refused within a second', async () => {
    const users = [await signUp(app.url), await signUp(app.url)]
    for (const user of users) {
      expect(await status(user.cookie)).toBe(200)
      expect(await status(user.cookie)).toBe(200)
    }
    await expect.poll(hearsChanges, { timeout: 5000, interval: 50 }).toBe(true)
    await sql('TRUNCATE "session"')
    for (const user of users) await expect.poll(() => status(user.cookie), { timeout: 1000, interval: 20 }).toBe(401)
  })

  it('with a NOTIFY trigger disabled, says so once connected and keeps no session past SESSION_CACHE_TTL; enabled again, it hears changes again', async () => {
    await expect.poll(hearsChanges, { timeout: 5000, interval: 50 }).toBe(true)
    const backBefore = logged(/\[postgres listen\] back/)
    await sql('ALTER TABLE "session" DISABLE TRIGGER "session_deleted"')
    try {
      await dropListen()
      await expect.poll(() => logged(/\[postgres listen\] back/), { timeout: 5000, interval: 50 }).toBe(backBefore + 1)
      expect(logged(/\[postgres listen\] trigger session_deleted missing or disabled/)).toBe(1)
      expect(await hearsChanges()).toBe(false)
    }
    finally {
      await sql('ALTER TABLE "session" ENABLE TRIGGER "session_deleted"')
    }
    await dropListen()
    await expect.poll(() => logged(/\[postgres listen\] back/), { timeout: 5000, interval: 50 }).toBe(backBefore + 2)
    expect(await hearsChanges()).toBe(true)
  })
})
