import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPostgresDatabase, withDatabase } from '../support/db'
import { adminCookie, createAdmin, request, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'

const ADMIN = `instances-admin-${randomBytes(4).toString('hex')}@example.com`
let database: Awaited<ReturnType<typeof createPostgresDatabase>>
let a: TestServer
let b: TestServer

beforeAll(async () => {
  database = await createPostgresDatabase('instances_test')
  // Two instances of one app: same database, same Redis, same secret; different ports and time zones.
  const env = { BETTER_AUTH_SECRET: randomBytes(32).toString('base64') }
  a = await startServer({ ...env, TZ: 'UTC' }, { backend: 'postgres', databaseUrl: database.url })
  b = await startServer({ ...env, TZ: 'America/New_York' }, { backend: 'postgres', databaseUrl: database.url })
}, 120_000)
afterAll(async () => {
  await a?.stop()
  await b?.stop()
  await database?.drop()
})

const me = async (base: string, cookie: string) => (await request('/api/me', { base, cookie })).status

describe('two instances in different time zones', () => {
  it('write and read the same instants: a session made in New York ends when UTC says, on both', async () => {
    const before = Date.now()
    const user = await signUp(b.url)
    const ends = async (base: string) => (await (await request('/api/session', { base, cookie: user.cookie })).json()).data.session.expiresAt
    const [row] = await withDatabase(database.url, db => db.all<{ created: number, expires: number }>(
      // EXTRACT(EPOCH …) of a timestamp without time zone reads it as UTC, as Prisma writes it.
      'SELECT EXTRACT(EPOCH FROM s."createdAt")::float8 * 1000 AS "created", EXTRACT(EPOCH FROM s."expiresAt")::float8 * 1000 AS "expires" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" = ?', [user.email]))
    expect(row!.created).toBeGreaterThanOrEqual(before - 1000)
    expect(row!.created).toBeLessThanOrEqual(Date.now() + 1000)
    expect(await ends(a.url)).toBe(new Date(row!.expires).toISOString())
    expect(await ends(b.url)).toBe(new Date(row!.expires).toISOString())
  })
})

/** Signs up on A and has A answer the session twice, so A holds it in its cache. */
async function signedInOnA() {
  const user = await signUp(a.url)
  expect(await me(a.url, user.cookie)).toBe(200)
  expect(await me(a.url, user.cookie)).toBe(200)
  return user
}

/** Milliseconds until A answers 401 for `cookie` (fails after 1 s). */
async function refusedOnA(cookie: string) {
  const started = performance.now()
  await expect.poll(() => me(a.url, cookie), { timeout: 1000, interval: 10 }).toBe(401)
  return performance.now() - started
}

describe('two instances sharing PostgreSQL and Redis', () => {
  it('a session signed in on A works on B: the database and Redis are shared', async () => {
    const { cookie } = await signedInOnA()
    expect(await me(b.url, cookie)).toBe(200)
  })

  it('signing out on B is refused on A within 1 s, although A had the session cached', async () => {
    const { cookie } = await signedInOnA()
    expect((await request('/api/auth/sign-out', { method: 'POST', base: b.url, cookie, body: '{}' })).status).toBe(200)
    expect(await refusedOnA(cookie)).toBeLessThan(1000)
  })

  it('revoking every session on B is refused on A within 1 s', async () => {
    const { cookie } = await signedInOnA()
    expect((await request('/api/sessions/revoke-all', { method: 'POST', base: b.url, cookie })).status).toBe(200)
    expect(await refusedOnA(cookie)).toBeLessThan(1000)
  })

  it('a ban by an administrator on B is refused on A within 1 s', async () => {
    const { cookie } = await signedInOnA()
    await createAdmin(b.url, b.databaseUrl, ADMIN)
    const admin = { cookie: await adminCookie(b.url, ADMIN) }
    const id = (await (await request('/api/me', { base: a.url, cookie })).json()).data.id
    const ban = await request(`/api/admin/users/${id}/ban`, { method: 'POST', base: b.url, cookie: admin.cookie, body: JSON.stringify({ reason: 'test' }) })
    expect(ban.status).toBe(200)
    expect(await refusedOnA(cookie)).toBeLessThan(1000)
  })

  it('a row deleted with SQL, behind every instance\'s back, is refused on A within 1 s', async () => {
    const { cookie, email } = await signedInOnA()
    await withDatabase(database.url, sql => sql.run('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email]))
    expect(await refusedOnA(cookie)).toBeLessThan(1000)
    expect(await me(b.url, cookie)).toBe(401)
  })
})

describe('a user changed with SQL, behind every instance\'s back', () => {
  it('banned: its sessions are refused on both instances within 1 s, and the next sign-in says why', async () => {
    const { cookie, email, password } = await signedInOnA()
    expect(await me(b.url, cookie)).toBe(200)
    await withDatabase(database.url, sql => sql.run('UPDATE "user" SET "banned" = true, "banReason" = \'by SQL\' WHERE "email" = ?', [email]))
    expect(await refusedOnA(cookie)).toBeLessThan(1000)
    expect(await me(b.url, cookie)).toBe(401)
    const signIn = await request('/api/auth/sign-in/email', { method: 'POST', base: b.url, body: JSON.stringify({ email, password }) })
    expect(signIn.status).toBe(403)
    expect((await signIn.json()).message).toMatch(/suspended/)
  })

  it.each([
    ['deleted: its sessions, gone by the foreign key\'s cascade', 'DELETE FROM "user" WHERE "email" = ?'],
    ['its session\'s expiry moved into the past', 'UPDATE "session" SET "expiresAt" = now() - interval \'1 minute\' WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)'],
  ])('%s: refused on both instances within 1 s', async (_, statement) => {
    const { cookie, email } = await signedInOnA()
    expect(await me(b.url, cookie)).toBe(200)
    await withDatabase(database.url, sql => sql.run(statement, [email]))
    expect(await refusedOnA(cookie)).toBeLessThan(1000)
    expect(await me(b.url, cookie)).toBe(401)
  })

  it('a ban that has run out (banExpires in the past) keeps nobody out', async () => {
    const { cookie, email } = await signedInOnA()
    await withDatabase(database.url, sql => sql.run('UPDATE "user" SET "banned" = true, "banExpires" = ? WHERE "email" = ?', [new Date(Date.now() - 60_000), email]))
    // B never answered this session: it reads it from the database now.
    expect(await me(b.url, cookie)).toBe(200)
  })
})

describe('rate limits with Redis', () => {
  it('are counted across instances: sign-in attempts on A and B add up to one limit (429 with Retry-After)', async () => {
    const env = { BETTER_AUTH_SECRET: randomBytes(32).toString('base64'), RATE_LIMIT: 'on' }
    const shared = await createPostgresDatabase('ratelimit_test')
    const one = await startServer(env, { backend: 'postgres', databaseUrl: shared.url })
    const two = await startServer(env, { backend: 'postgres', databaseUrl: shared.url })
    try {
      // All from one client address (as the trusted proxy names it).
      const attempt = (base: string) => request('/api/auth/sign-in/email', {
        method: 'POST', base, ip: '203.0.113.90', body: JSON.stringify({ email: `nobody-${randomBytes(4).toString('hex')}@example.com`, password: 'wrong password' }),
      })
      // 3 sign-in attempts per 10 s from one address.
      const statuses = [(await attempt(one.url)).status, (await attempt(two.url)).status, (await attempt(one.url)).status]
      expect(statuses).toEqual([401, 401, 401])
      const limited = await attempt(two.url)
      expect(limited.status).toBe(429)
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    }
    finally {
      await one.stop()
      await two.stop()
      await shared.drop()
    }
  }, 60_000)
  it('per-account limits are counted across instances too: 5 wrong passwords split over A and B lock the account on both', async () => {
    const env = { BETTER_AUTH_SECRET: randomBytes(32).toString('base64'), RATE_LIMIT: 'on', TRUST_PROXY: 'true' }
    const shared = await createPostgresDatabase('accountlimit_test')
    const one = await startServer(env, { backend: 'postgres', databaseUrl: shared.url })
    const two = await startServer(env, { backend: 'postgres', databaseUrl: shared.url })
    try {
      let ip = 0
      const signIn = (base: string, password: string) => request('/api/auth/sign-in/email', {
        method: 'POST', base, headers: { 'x-forwarded-for': `10.9.0.${++ip}` }, body: JSON.stringify({ email, password }),
      })
      const email = `limited-${randomBytes(4).toString('hex')}@example.com`
      const created = await request('/api/auth/sign-up/email', { method: 'POST', base: one.url, body: JSON.stringify({ name: 'L', email, password: 'correct horse battery' }) })
      expect(created.status).toBe(200)
      const statuses = []
      for (const base of [one.url, two.url, one.url, two.url, one.url]) statuses.push((await signIn(base, 'wrong password')).status)
      expect(statuses).toEqual([401, 401, 401, 401, 401])
      expect((await signIn(two.url, 'correct horse battery')).status).toBe(429)
      expect((await signIn(one.url, 'correct horse battery')).status).toBe(429)
    }
    finally {
      await one.stop()
      await two.stop()
      await shared.drop()
    }
  }, 60_000)
})
