import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase, POSTGRES_URL, REDIS_URL } from '../support/db'
import { request, sessionCookie, signUp } from '../support/http'
import { tcpProxy } from '../support/proxy'
import { startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

let database: Awaited<ReturnType<typeof createPostgresDatabase>>
let postgres: Awaited<ReturnType<typeof tcpProxy>>
let redis: Awaited<ReturnType<typeof tcpProxy>>
let app: TestServer
let mailbox: TestMailbox

beforeAll(async () => {
  mailbox = await startMailbox()
  database = await createPostgresDatabase('outage_test')
  // The app reaches PostgreSQL and Redis through proxies the test can cut and restore.
  postgres = await tcpProxy(Number(new URL(POSTGRES_URL).port || 5432))
  redis = await tcpProxy(Number(new URL(REDIS_URL).port || 6379))
  const databaseUrl = new URL(database.url)
  databaseUrl.port = String(postgres.port)
  app = await startServer({ REDIS_URL: `redis://127.0.0.1:${redis.port}`, SMTP_URL: mailbox.url, BENCH_ROUTES: 'true' }, { backend: 'postgres', databaseUrl: databaseUrl.toString() })
}, 120_000)
afterAll(async () => {
  await app?.stop()
  await redis?.stop()
  await postgres?.stop()
  await database?.drop()
  await mailbox?.close()
})

const status = async (path: string, cookie: string) => (await request(path, { base: app.url, cookie })).status
const signIn = async (email: string, password: string) => {
  const response = await request('/api/auth/sign-in/email', { method: 'POST', base: app.url, body: JSON.stringify({ email, password }) })
  return { status: response.status, cookie: sessionCookie(response) }
}
const logLines = (pattern: RegExp) => app.logs().split('\n').filter(line => pattern.test(line))

describe('dependencies that go away and come back', () => {
  it('without Redis, sign-in and protected routes still work from the database; one log line per outage; Redis is used again once back', async () => {
    const user = await signUp(app.url)
    await redis.stop()
    expect(await status('/api/me', user.cookie)).toBe(200)
    for (let i = 0; i < 3; i++) {
      const again = await signIn(user.email, user.password)
      expect(again.status).toBe(200)
      expect(await status('/api/me', again.cookie!)).toBe(200)
      expect(await status('/api/sessions', again.cookie!)).toBe(200)
    }
    // Per-account limits hold in this instance's memory meanwhile: one sign-in code a minute.
    const askForCode = () => request('/api/auth/email-otp/send-verification-otp', { method: 'POST', base: app.url, body: JSON.stringify({ email: user.email, type: 'sign-in' }) })
    expect((await askForCode()).status).toBe(200)
    const tooSoon = await askForCode()
    expect(tooSoon.status).toBe(429)
    expect(Number(tooSoon.headers.get('retry-after'))).toBeGreaterThan(50)
    expect((await tooSoon.json()).message).toMatch(/^A code was sent less than a minute ago/)
    expect(logLines(/\[redis command\] unavailable/)).toHaveLength(1)

    await redis.start()
    await expect.poll(() => logLines(/\[redis (command|subscriber)\] back/).length, { timeout: 10_000 }).toBe(2)
    // Copies are written again once this instance has heard the new epoch (server/platform/redis.ts),
    // which follows the two connections' return by a round trip.
    const direct = new Redis(REDIS_URL)
    try {
      await expect.poll(async () => {
        const back = await signIn(user.email, user.password)
        expect(back.status).toBe(200)
        const token = decodeURIComponent(back.cookie!.split('=')[1]!).split('.')[0]
        return direct.get(`better-auth:${token}`)
      }, { timeout: 5_000, interval: 200 }).not.toBeNull()
    }
    finally {
      direct.disconnect()
    }
  }, 30_000)

  it('without PostgreSQL, a route that needs it answers 503 JSON, cached sessions still answer; it recovers by itself', async () => {
    const user = await signUp(app.url)
    expect(await status('/api/me', user.cookie)).toBe(200)
    await postgres.stop()
    const down = await request('/api/account/events', { base: app.url, cookie: user.cookie })
    expect(down.status).toBe(503)
    expect(await down.json()).toEqual({ success: false, message: expect.stringMatching(/unavailable/i) })
    // The session itself is answered from memory (or Redis) while the database is away.
    expect(await status('/api/me', user.cookie)).toBe(200)

    await postgres.start()
    await expect.poll(() => status('/api/account/events', user.cookie), { timeout: 10_000, interval: 250 }).toBe(200)
  }, 30_000)

  it('a LISTEN connection that stops answering (PostgreSQL frozen, sockets open) is noticed: cached sessions fall back to SESSION_CACHE_TTL until it answers again', async () => {
    const hearsChanges = async () => (await (await request('/api/bench/cache', { base: app.url })).json()).data.hearsChanges
    await expect.poll(hearsChanges, { timeout: 5000, interval: 50 }).toBe(true)
    postgres.freeze()
    try {
      // Its heartbeat goes unanswered (1 s apart, 1 s to answer).
      await expect.poll(hearsChanges, { timeout: 5000, interval: 50 }).toBe(false)
    }
    finally {
      postgres.thaw()
    }
    await expect.poll(hearsChanges, { timeout: 10_000, interval: 100 }).toBe(true)
  }, 30_000)
})
