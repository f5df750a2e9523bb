import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withDatabase } from '../support/db'
import { request, signUp } from '../support/http'
import { backend, type ClockServer, startClockServer } from '../support/server'

// A server whose clock the test moves, with the bench's routes on to read its session cache.
let app: ClockServer
const status = async (cookie: string) => (await request('/api/me', { base: app.url, cookie })).status
interface CacheStats { hits: number, misses: number, size: number, hearsChanges: boolean }
const stats = async (): Promise<CacheStats> => (await (await request('/api/bench/cache', { base: app.url })).json()).data

beforeAll(async () => {
  app = await startClockServer({ BENCH_ROUTES: 'true', SESSION_CACHE_TTL: '5', SESSION_UPDATE_AGE: '86400' })
})
afterAll(() => app?.stop())

describe(`the session cache, on ${backend}`, () => {
  it('answers a session from memory long after SESSION_CACHE_TTL while it hears every change, and forgets it within a second of its row deleted by SQL', async () => {
    const user = await signUp(app.url)
    expect(await status(user.cookie)).toBe(200)
    // SQLite's data_version watch or PostgreSQL's LISTEN connection is up.
    await expect.poll(async () => (await stats()).hearsChanges, { timeout: 2000, interval: 20 }).toBe(true)
    expect(await status(user.cookie)).toBe(200)
    const before = await stats()

    app.setClock(600) // 120 × SESSION_CACHE_TTL later, long before SESSION_UPDATE_AGE
    expect(await status(user.cookie)).toBe(200)
    expect(await status(user.cookie)).toBe(200)
    const after = await stats()
    expect({ hits: after.hits - before.hits, misses: after.misses - before.misses }).toEqual({ hits: 2, misses: 0 })

    // By hand, as an operator would: no request to the app says so.
    const deleted = await withDatabase(app.databaseUrl, sql => sql.run('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [user.email]))
    expect(deleted).toBe(1)
    await expect.poll(() => status(user.cookie), { timeout: 1000, interval: 20 }).toBe(401)
  })
})

describe(`the session cache beside better-auth's cookie cache, on ${backend}`, () => {
  let cookieCached: ClockServer
  beforeAll(async () => {
    cookieCached = await startClockServer({ SESSION_COOKIE_CACHE: '60', SESSION_CACHE_TTL: '5' })
  })
  afterAll(() => cookieCached?.stop())

  it('a signed-out session replayed with its session_data cookie is refused once that cookie\'s 60 s are over, not a day later', async () => {
    const signedUp = await signUp(cookieCached.url, undefined, { onboard: false })
    const cookies = signedUp.response.headers.getSetCookie().map(c => c.split(';')[0]).join('; ')
    expect(cookies).toContain('better-auth.session_data=')
    const me = async () => (await request('/api/me', { base: cookieCached.url, cookie: cookies })).status
    expect(await me()).toBe(200)
    expect((await request('/api/auth/sign-out', { method: 'POST', base: cookieCached.url, cookie: cookies, body: '{}' })).status).toBe(200)
    // As documented for SESSION_COOKIE_CACHE: its signed cookie still vouches for the session meanwhile.
    expect(await me()).toBe(200)
    cookieCached.setClock(120)
    expect(await me()).toBe(401)
  })
})
