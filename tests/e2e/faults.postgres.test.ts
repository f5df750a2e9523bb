import { randomBytes, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createPostgresDatabase, POSTGRES_URL, withDatabase } from '../support/db'
import { ONBOARDING, request, sessionCookie, signUp, writeLoad } from '../support/http'
import { tcpProxy } from '../support/proxy'
import { startRedisServer } from '../support/redis-server'
import { startServer, type TestServer } from '../support/server'

/**
 * Faults on the production setup: two instances (A, B) on one PostgreSQL database and a Redis of
 * the test's own, each reaching Redis through its own proxy (so either can be partitioned) and
 * PostgreSQL through a shared one (so the database can crash, or freeze like one starting up).
 * What must hold: the database decides (no ended session is accepted again once a fault heals),
 * an outage answers 503 JSON, never 500, and no acknowledged write is lost.
 */
let database: Awaited<ReturnType<typeof createPostgresDatabase>>
let redis: Awaited<ReturnType<typeof startRedisServer>>
let postgres: Awaited<ReturnType<typeof tcpProxy>>
let redisOfA: Awaited<ReturnType<typeof tcpProxy>>
let redisOfB: Awaited<ReturnType<typeof tcpProxy>>
let a: TestServer
let b: TestServer
const secret = randomBytes(32).toString('base64')

const startInstance = (redisProxy: { port: number }, port?: number) => {
  const url = new URL(database.url)
  url.port = String(postgres.port)
  return startServer({ BETTER_AUTH_SECRET: secret, REDIS_URL: `redis://127.0.0.1:${redisProxy.port}`, ...(port && { PORT: String(port) }) }, { backend: 'postgres', databaseUrl: url.toString() })
}

beforeAll(async () => {
  database = await createPostgresDatabase('faults_test')
  redis = await startRedisServer()
  postgres = await tcpProxy(Number(new URL(POSTGRES_URL).port || 5432))
  redisOfA = await tcpProxy(redis.port)
  redisOfB = await tcpProxy(redis.port)
  a = await startInstance(redisOfA)
  b = await startInstance(redisOfB)
}, 120_000)
afterAll(async () => {
  await a?.stop()
  await b?.stop()
  await redisOfA?.stop()
  await redisOfB?.stop()
  await postgres?.stop()
  await redis?.stop()
  await database?.drop()
})

const me = async (server: TestServer, cookie: string) => (await request('/api/me', { base: server.url, cookie })).status
const tokenOf = (cookie: string) => decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!
const sql = (query: string, params: unknown[] = []) => withDatabase(database.url, db => db.run(query, params))
const deleteSessionsOf = (email: string) => sql('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
const lines = (server: TestServer, pattern: RegExp) => server.logs().split('\n').filter(line => pattern.test(line))

/** The session's copy in Redis, as better-auth stored it (null if there is none). */
async function copyInRedis(cookie: string) {
  const client = redis.client()
  await client.connect()
  try {
    return await client.get(`better-auth:${tokenOf(cookie)}`)
  }
  finally {
    client.disconnect()
  }
}

async function dropCopy(cookie: string) {
  const client = redis.client()
  await client.connect()
  try {
    await client.del(`better-auth:${tokenOf(cookie)}`)
  }
  finally {
    client.disconnect()
  }
}

/** A user signed up on A whose session both instances have answered (so it is cached in each, and copied in Redis). */
async function knownToBoth() {
  // Not onboarded: a change to the user (onboarding sets a name) drops its sessions' copies from Redis.
  const user = await signUp(a.url, undefined, { onboard: false })
  expect(await me(a, user.cookie)).toBe(200)
  expect(await me(b, user.cookie)).toBe(200)
  // Stored with its epoch: better-auth's copy is the JSON of { session, user }, which redis.ts
  // recognises by its start and marks (a change in that format fails here).
  expect(await copyInRedis(user.cookie)).toMatch(/^\{"epoch":"[\w-]+","session":\{/)
  return user
}

/** Waits until `server` has logged `pattern` `count` times in all. */
const logged = (server: TestServer, pattern: RegExp, count: number, timeout = 10_000) =>
  expect.poll(() => lines(server, pattern).length, { timeout, interval: 25 }).toBeGreaterThanOrEqual(count)

/** Every answer for `cookie`, on both instances, during `ms` (each instance asked every 20 ms). */
async function answersDuring(cookie: string, ms: number) {
  const seen = new Set<number>()
  for (const end = performance.now() + ms; performance.now() < end; await new Promise(resolve => setTimeout(resolve, 20))) {
    for (const server of [a, b]) seen.add(await me(server, cookie))
  }
  return [...seen].sort()
}

describe('a session that ended during a fault never comes back', () => {
  it('Redis partitioned from both instances while its row is deleted with SQL: refused during the partition and after it heals', async () => {
    const user = await knownToBoth()
    const back = { a: lines(a, /\[redis command\] back/).length, b: lines(b, /\[redis command\] back/).length }
    await redisOfA.stop()
    await redisOfB.stop()
    expect(await deleteSessionsOf(user.email)).toBe(1)
    expect(await answersDuring(user.cookie, 300)).toEqual([401])

    await redisOfA.start()
    await redisOfB.start()
    await logged(a, /\[redis command\] back/, back.a + 1)
    await logged(b, /\[redis command\] back/, back.b + 1)
    // Its copy is still in Redis (nobody could delete it), and is not believed.
    expect(await copyInRedis(user.cookie)).not.toBeNull()
    expect(await answersDuring(user.cookie, 1000)).toEqual([401])
  }, 30_000)

  it('Redis restarted with data saved before a sign-out: the old copy it loads is not believed', async () => {
    const user = await knownToBoth()
    await redis.save()
    expect((await request('/api/auth/sign-out', { method: 'POST', base: a.url, cookie: user.cookie, body: '{}' })).status).toBe(200)
    const back = { a: lines(a, /\[redis command\] back/).length, b: lines(b, /\[redis command\] back/).length }
    await redis.crash()
    await redis.start()
    expect(await copyInRedis(user.cookie)).not.toBeNull()
    await logged(a, /\[redis command\] back/, back.a + 1)
    await logged(b, /\[redis command\] back/, back.b + 1)
    expect(await answersDuring(user.cookie, 1000)).toEqual([401])
    redis.forget()
  }, 30_000)

  it('Redis restarted empty: sessions still answer, from the database, and are copied to Redis again', async () => {
    const user = await knownToBoth()
    const back = lines(a, /\[redis command\] back/).length
    await redis.crash()
    await redis.start()
    await logged(a, /\[redis command\] back/, back + 1)
    expect(await answersDuring(user.cookie, 300)).toEqual([200])
    const again = await signUp(b.url, undefined, { onboard: false })
    await expect.poll(() => copyInRedis(again.cookie)).not.toBeNull()
  }, 30_000)

  it('the LISTEN connection dropped while a row is deleted with SQL: refused once it is back, on every instance', async () => {
    const user = await knownToBoth()
    const back = { a: lines(a, /\[postgres listen\] back/).length, b: lines(b, /\[postgres listen\] back/).length }
    // Both instances lose the notification of this delete.
    await withDatabase(POSTGRES_URL, db => db.run('SELECT pg_terminate_backend("pid") FROM pg_stat_activity WHERE "datname" = ? AND "application_name" = \'sessionkit-listen\'', [new URL(database.url).pathname.slice(1)]))
    expect(await deleteSessionsOf(user.email)).toBe(1)
    await logged(a, /\[postgres listen\] back/, back.a + 1)
    await logged(b, /\[postgres listen\] back/, back.b + 1)
    expect(await answersDuring(user.cookie, 500)).toEqual([401])
  }, 30_000)

  it('an instance killed with a sign-out it could not tell Redis of: no other instance accepts that session', async () => {
    const user = await knownToBoth()
    await redisOfA.stop()
    expect((await request('/api/auth/sign-out', { method: 'POST', base: a.url, cookie: user.cookie, body: '{}' })).status).toBe(200)
    process.kill(a.pid, 'SIGKILL')
    await a.stop()
    expect(await me(b, user.cookie)).toBe(401)
    await redisOfA.start()
    a = await startInstance(redisOfA)
    expect(await answersDuring(user.cookie, 500)).toEqual([401])
  }, 60_000)
})

describe('outages answer 503, lose nothing and heal by themselves', () => {
  // Each case starts with the database answering both instances again.
  beforeEach(async () => {
    for (const server of [a, b]) {
      await expect.poll(() => request('/api/auth/sign-in/email', { method: 'POST', base: server.url, body: JSON.stringify({ email: `nobody-${randomUUID()}@example.com`, password: 'not a password' }) }).then(r => r.status), { timeout: 5000, interval: 100 }).toBe(401)
    }
  })

  it('PostgreSQL crashes under sign-ups: every answer is 200 or 503 JSON with Retry-After, every 200 is kept, every 503 can be retried', async () => {
    const started = performance.now()
    const results: { email: string, status: number, sent: number, at: number, body: string, retryAfter: string | null }[] = []
    let running = true
    const writer = async (server: TestServer) => {
      while (running) {
        const email = `fault-${randomUUID()}@example.com`
        const sent = performance.now() - started
        const response = await request('/api/auth/sign-up/email', { method: 'POST', base: server.url, body: JSON.stringify({ name: 'Fault', email, password: 'correct horse battery' }) })
        results.push({ email, status: response.status, sent, at: performance.now() - started, body: await response.text(), retryAfter: response.headers.get('retry-after') })
      }
    }
    const writers = [writer(a), writer(b), writer(a)]
    await expect.poll(() => results.filter(r => r.status === 200).length, { timeout: 10_000, interval: 10 }).toBeGreaterThanOrEqual(3)
    const down = { a: lines(a, /\[database\] unavailable/).length, b: lines(b, /\[database\] unavailable/).length }
    const crashedAt = performance.now() - started
    await postgres.stop()
    await new Promise(resolve => setTimeout(resolve, 3000))
    const backAt = performance.now() - started
    await postgres.start()
    await new Promise(resolve => setTimeout(resolve, 5000))
    running = false
    await Promise.all(writers)

    expect(results.filter(r => r.status !== 200 && r.status !== 503)).toEqual([])
    const refused = results.filter(r => r.status === 503)
    expect(refused.length).toBeGreaterThan(0)
    for (const r of refused) {
      expect(JSON.parse(r.body)).toEqual({ success: false, message: expect.stringMatching(/temporarily unavailable/) })
      expect(r.retryAfter).toBe('5')
    }
    // Recovery: the first sign-up that succeeds after the database is back, within 2 s; none sent
    // after those 2 s refused (the writers go on for 5 s after it is back: seconds of sign-ups).
    const firstGood = results.find(r => r.at > backAt && r.status === 200)
    expect(firstGood!.at - backAt).toBeLessThan(2000)
    const afterRecovery = results.filter(r => r.sent > backAt + 2000)
    expect(afterRecovery.length).toBeGreaterThan(20)
    expect(afterRecovery.filter(r => r.status !== 200)).toEqual([])
    expect(results.filter(r => r.status === 200 && r.at > crashedAt + 100 && r.at < backAt)).toEqual([])
    // Every acknowledged sign-up has its user, its password and its session; nothing refused left a user behind.
    const acknowledged = results.filter(r => r.status === 200).map(r => r.email)
    const rows = await withDatabase(database.url, db => db.all<{ email: string, accounts: number, sessions: number }>(
      'SELECT u."email", (SELECT COUNT(*) FROM "account" x WHERE x."userId" = u."id")::int AS "accounts", (SELECT COUNT(*) FROM "session" s WHERE s."userId" = u."id")::int AS "sessions" FROM "user" u WHERE u."email" LIKE \'fault-%\''))
    const byEmail = new Map(rows.map(row => [row.email, row]))
    for (const email of acknowledged) expect(byEmail.get(email)).toMatchObject({ accounts: 1, sessions: 1 })
    // A refused sign-up may still have been committed (the connection went as it committed): its
    // retry, with the same address and password, succeeds like that of any other refused sign-up.
    const halfDone = refused.filter(r => byEmail.has(r.email))
    const retriedEmails = [...halfDone, ...refused.filter(r => !byEmail.has(r.email)).slice(0, 3)].map(r => r.email)
    for (const email of retriedEmails) {
      const retried = await request('/api/auth/sign-up/email', { method: 'POST', base: a.url, body: JSON.stringify({ name: 'Fault', email, password: 'correct horse battery' }) })
      expect({ email, status: retried.status, cookie: !!sessionCookie(retried) }).toEqual({ email, status: 200, cookie: true })
    }
    // Whatever the outage cut off, every retried address ends with one user, its password and a session.
    const after = await withDatabase(database.url, db => db.all<{ email: string, accounts: number, sessions: number }>(
      'SELECT u."email", (SELECT COUNT(*) FROM "account" x WHERE x."userId" = u."id")::int AS "accounts", (SELECT COUNT(*) FROM "session" s WHERE s."userId" = u."id")::int AS "sessions" FROM "user" u WHERE u."email" = ANY(?)', [retriedEmails]))
    expect(after.filter(row => row.accounts !== 1 || row.sessions < 1)).toEqual([])
    expect(after).toHaveLength(retriedEmails.length)
    // One line when the outage starts and one when it ends, per instance, whatever the request count.
    for (const [server, before] of [[a, down.a], [b, down.b]] as const) {
      expect(lines(server, /\[database\] unavailable/)).toHaveLength(before + 1)
      expect(lines(server, /\[database\] back after [\d.]+ s; \d+ requests? affected/).length).toBeGreaterThanOrEqual(1)
    }
  }, 60_000)

  it('while PostgreSQL is down, sessions in Redis keep answering and every write answers 503; a page that needs the database shows the 503 page', async () => {
    const kept = await knownToBoth()
    // Never looked up by either instance: it is in Redis and in the database only.
    const inRedisOnly = await signUp(a.url, undefined, { onboard: false })
    const signIn = await signUp(a.url)
    // Known to neither instance, and its copy gone from Redis: only the database could answer for it.
    const databaseOnly = await signUp(a.url, undefined, { onboard: false })
    await dropCopy(databaseOnly.cookie)
    // In each instance's memory only: our check passes, but better-auth's own lookup inside the
    // write (its session middleware) must go to the database, and takes a failure for "no session".
    const inMemoryOnly = await knownToBoth()
    await dropCopy(inMemoryOnly.cookie)
    // B has signed a JWT before: it keeps the signing keys, and signs the next without the database.
    expect((await request('/api/auth/get-session', { base: b.url, cookie: kept.cookie })).headers.get('set-auth-jwt')).toBeTruthy()
    await postgres.stop()
    try {
      expect(await me(b, kept.cookie)).toBe(200)
      expect((await request('/api/session', { base: b.url, cookie: inRedisOnly.cookie })).status).toBe(200)
      const withJwt = await request('/api/auth/get-session', { base: b.url, cookie: inRedisOnly.cookie })
      expect(withJwt.status).toBe(200)
      expect(withJwt.headers.get('set-auth-jwt')).toMatch(/^ey/)
      const writes: [string, string, string | undefined, object][] = [
        [a.url, '/api/auth/sign-in/email', undefined, { email: signIn.email, password: signIn.password }],
        [a.url, '/api/auth/sign-out', kept.cookie, {}],
        [a.url, '/api/account/onboarding', kept.cookie, ONBOARDING],
        [a.url, '/api/account/delete', kept.cookie, { password: kept.password }],
        [a.url, '/api/auth/sign-up/email', undefined, { name: 'Down', email: `down-${randomUUID()}@example.com`, password: 'correct horse battery' }],
        [b.url, '/api/account/delete', inMemoryOnly.cookie, { password: inMemoryOnly.password }],
      ]
      const answers = await Promise.all(writes.map(async ([base, path, cookie, body]) => {
        const response = await request(path, { method: 'POST', base, cookie, body: JSON.stringify(body) })
        return { path, status: response.status, retryAfter: response.headers.get('retry-after'), message: (await response.json()).message }
      }))
      expect(answers).toEqual(writes.map(([, path]) => ({ path, status: 503, retryAfter: '5', message: expect.stringMatching(/temporarily unavailable/) })))
      // Only the database could say whether this session holds: no answer, not "signed out".
      const unknown = await request('/api/me', { base: b.url, cookie: databaseOnly.cookie })
      expect({ status: unknown.status, retryAfter: unknown.headers.get('retry-after') }).toEqual({ status: 503, retryAfter: '5' })
      const page = await request('/dashboard', { base: b.url, cookie: databaseOnly.cookie, headers: { accept: 'text/html' } })
      expect(page.status).toBe(503)
      expect(await page.text()).toMatch(/<html/i)
    }
    finally {
      await postgres.start()
    }
    await expect.poll(() => request('/api/auth/sign-in/email', { method: 'POST', base: a.url, body: JSON.stringify({ email: signIn.email, password: signIn.password }) }).then(r => r.status), { timeout: 2000, interval: 50 }).toBe(200)
    // The sign-out and the deletion that answered 503 did nothing: the session is still there.
    expect(await me(a, kept.cookie)).toBe(200)
  }, 30_000)

  it('PostgreSQL restarting (connections cut, new ones not answered yet): 503 within about a second, then at once, until it answers', async () => {
    const user = await signUp(a.url)
    await postgres.stop()
    postgres.freeze()
    await postgres.start()
    await expectRefusedWhileFrozen(user.cookie, CONNECT_WAIT_BOUND_MS)
  }, 30_000)

  it('PostgreSQL frozen (connected, not answering): 503 once a query has waited 3 s, then at once, until it answers', async () => {
    const user = await signUp(a.url)
    postgres.freeze()
    await expectRefusedWhileFrozen(user.cookie, QUERY_WAIT_BOUND_MS)
  }, 30_000)

  it('Redis frozen (connected, not answering): requests go on from the database, only the first waits, one log line each way', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => signUp(b.url)))
    const before = { down: lines(a, /\[redis command\] unavailable/).length, back: lines(a, /\[redis command\] back/).length }
    redis.freeze()
    const slow: number[] = []
    try {
      // Each session is new to A: it asks Redis, then the database.
      for (const user of users) {
        const begun = performance.now()
        expect(await me(a, user.cookie)).toBe(200)
        const ms = performance.now() - begun
        if (ms >= REDIS_WAIT_MS) slow.push(ms)
      }
    }
    finally {
      redis.thaw()
    }
    expect(slow.length).toBeLessThanOrEqual(1)
    await logged(a, /\[redis command\] back/, before.back + 1)
    expect(lines(a, /\[redis command\] unavailable \(a command timed out\)/)).toHaveLength(1)
    expect(lines(a, /\[redis command\] unavailable/)).toHaveLength(before.down + 1)
  }, 30_000)
})

/** A first request may wait once for the connect timeout (1 s) or the query timeout (3 s); with the round trip, well under these. */
const CONNECT_WAIT_BOUND_MS = 1500
const QUERY_WAIT_BOUND_MS = 3500
/** Half the connect timeout: a request refused by the open breaker, which waits on nothing. */
const AT_ONCE_MS = 500

async function timedEvents(cookie: string) {
  const begun = performance.now()
  const response = await request('/api/account/events', { base: a.url, cookie })
  return { status: response.status, ms: performance.now() - begun }
}
/**
 * While PostgreSQL does not answer (frozen by the test; thawed here): a 503 within `bound`, then a
 * 503 at once (the breaker is open, nothing waits on the database again); once it answers, a 200.
 */
async function expectRefusedWhileFrozen(cookie: string, bound: number) {
  try {
    const first = await timedEvents(cookie)
    expect(first.status).toBe(503)
    expect(first.ms).toBeLessThan(bound)
    const later = await timedEvents(cookie)
    expect(later.status).toBe(503)
    expect(later.ms).toBeLessThan(AT_ONCE_MS)
  }
  finally {
    postgres.thaw()
  }
  await expect.poll(() => request('/api/account/events', { base: a.url, cookie }).then(r => r.status), { timeout: 2000, interval: 50 }).toBe(200)
}
/** Redis's command timeout (500 ms): a request that took this long waited on it. */
const REDIS_WAIT_MS = 450

describe('an instance killed in the middle of writing', () => {
  it('loses no acknowledged sign-up or sign-out', async () => {
    const victim = await startInstance(redisOfA)
    const signedIn = await Promise.all(Array.from({ length: 20 }, () => signUp(victim.url)))
    const load = writeLoad(victim.url, 'killed', { signUps: 1, signOuts: signedIn })
    await load.underWay(3)
    process.kill(victim.pid, 'SIGKILL')
    await load.stop()
    const { acknowledged, signedOut } = load
    await victim.stop()

    expect(acknowledged.length).toBeGreaterThan(0)
    expect(signedOut.length).toBeGreaterThan(0)
    const users = await withDatabase(database.url, db => db.all<{ email: string }>('SELECT "email" FROM "user" WHERE "email" LIKE \'killed-%\''))
    const stored = new Set(users.map(u => u.email))
    expect(acknowledged.filter(email => !stored.has(email))).toEqual([])
    for (const cookie of signedOut) expect(await me(b, cookie)).toBe(401)
  }, 60_000)
})
