import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { expect, inject } from 'vitest'
import { type Sql, withDatabase } from './db'

export const COOKIE = 'better-auth.session_token'

/**
 * A client address of its own (10.x.y.z): the test servers trust loopback as a proxy, so limits
 * per client address apply to each simulated client apart, as they would behind a real proxy.
 */
export const clientAddress = () => `10.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`

/**
 * A request to the shared server, sent as the app's own pages would (same Origin, no redirects
 * followed), from a new client address unless `ip` (or an X-Forwarded-For) is given.
 */
export function request(path: string, init: RequestInit & { cookie?: string, base?: string, ip?: string } = {}) {
  const base = init.base ?? inject('baseURL')
  const headers = new Headers(init.headers)
  if (!headers.has('origin')) headers.set('origin', new URL(base).origin)
  if (!headers.has('x-forwarded-for')) headers.set('x-forwarded-for', init.ip ?? clientAddress())
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/json')
  if (init.cookie) headers.set('cookie', init.cookie)
  return fetch(new URL(path, base), { redirect: 'manual', ...init, headers })
}

/** The `name=value` of the session cookie a response sets, or undefined. */
export function sessionCookie(response: Response): string | undefined {
  return response.headers.getSetCookie().find(c => c.includes(`${COOKIE}=`))?.split(';')[0]
}

/** What /onboarding asks of every new user. */
export const ONBOARDING = { displayName: 'Test User', timeZone: 'Europe/Berlin' }

/** Completes /onboarding for the session `cookie`, as every new user must before using the app. */
export async function onboard(cookie: string, base?: string) {
  const response = await request('/api/account/onboarding', { method: 'POST', base, cookie, body: JSON.stringify(ONBOARDING) })
  if (response.status !== 200) throw new Error(`onboarding failed: ${response.status} ${await response.text()}`)
}

/**
 * Registers a new user (with `email`, or a random one) from a client address of its own (`ip`),
 * onboarded unless told otherwise, and returns its credentials, session cookie and address.
 */
export async function signUp(base?: string, email = `user-${randomUUID()}@example.com`, options: { onboard?: boolean, ip?: string } = {}) {
  const password = 'correct horse battery'
  const ip = options.ip ?? clientAddress()
  const response = await request('/api/auth/sign-up/email', {
    method: 'POST',
    base,
    ip,
    body: JSON.stringify({ name: 'Test User', email, password }),
  })
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`)
  const cookie = sessionCookie(response)!
  if (options.onboard !== false) await onboard(cookie, base)
  return { email, password, response, cookie, ip }
}

/** The types of a user's security activity (/api/account/events, newest first), as they see it. */
export async function activityOf(cookie: string, base?: string): Promise<string[]> {
  const response = await request('/api/account/events', { base, cookie })
  if (response.status !== 200) throw new Error(`activity failed: ${response.status} ${await response.text()}`)
  return ((await response.json()).data as { type: string }[]).map(e => e.type)
}

export const ADMIN_PASSWORD = 'administrator passphrase'

/**
 * Makes `email` an administrator of the server at `base`, as an operator does
 * (`npm run admin:create` sets the role in the database): signs up, onboards, promotes.
 */
export async function createAdmin(base: string, databaseUrl: string, email: string) {
  const created = await request('/api/auth/sign-up/email', { method: 'POST', base, body: JSON.stringify({ name: 'Admin', email, password: ADMIN_PASSWORD }) })
  if (created.status !== 200) throw new Error(`admin sign-up failed: ${created.status} ${await created.text()}`)
  await onboard(sessionCookie(created)!, base)
  await withDatabase(databaseUrl, sql => sql.run('UPDATE "user" SET "role" = \'admin\' WHERE "email" = ?', [email]))
}

/** A new session cookie of an administrator: by default the shared server's (made by the global setup). */
export async function adminCookie(base?: string, email = inject('adminEmail')) {
  const signedIn = await request('/api/auth/sign-in/email', { method: 'POST', base, body: JSON.stringify({ email, password: ADMIN_PASSWORD }) })
  if (signedIn.status !== 200) throw new Error(`admin sign-in failed: ${signedIn.status} ${await signedIn.text()}`)
  return sessionCookie(signedIn)!
}

/** Runs `use` on the database of a test server (the shared one by default), as an operator would. */
export function database<T>(use: (sql: Sql) => Promise<T>, url = inject('databaseUrl')): Promise<T> {
  return withDatabase(url, use)
}

/** Marks an address confirmed, as its owner opening the emailed link would (sign-in codes are mailed to confirmed addresses only). */
export async function confirmAddress(email: string, url?: string) {
  expect(await database(sql => sql.run('UPDATE "user" SET "emailVerified" = ? WHERE "email" = ?', [true, email]), url)).toBe(1)
}

/** Moves a session's timestamps straight in the database: time travel for tests. */
export async function setSessionTimes(id: string, times: { createdAt?: Date, expiresAt?: Date }) {
  await database(async (sql) => {
    for (const [column, value] of Object.entries(times)) await sql.run(`UPDATE "session" SET "${column}" = ? WHERE "id" = ?`, [value, id])
  })
}

/** The session rows of a user, by email (in the shared server's database unless told another). */
export function sessionsOf(email: string, url?: string) {
  return database(async (sql) => {
    const rows = await sql.all<{ id: string, token: string, expiresAt: string | Date, ipAddress: string | null, userAgent: string | null }>(
      `SELECT s.* FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" = ?`, [email])
    return rows.map(row => ({ ...row, expiresAt: new Date(row.expiresAt) }))
  }, url)
}

/**
 * A request whose path goes out exactly as written (fetch and URL tidy `/./`, `/../` and `%2e`
 * away), with no headers but these (not even fetch's Sec-Fetch-*), as from the app's own origin
 * and a new client address, like `request`.
 */
export function rawRequest(path: string, init: { base?: string, method?: string, body?: string, cookie?: string, headers?: Record<string, string> } = {}): Promise<Response> {
  const base = new URL(init.base ?? inject('baseURL'))
  // An empty value leaves the header out (a client that sends no Origin).
  const headers = Object.fromEntries(Object.entries({ 'origin': base.origin, 'x-forwarded-for': clientAddress(), ...init.headers }).filter(([, v]) => v !== ''))
  if (init.cookie) headers.cookie = init.cookie
  if (init.body !== undefined) headers['content-type'] ??= 'application/json'
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname: base.hostname, port: base.port, path, method: init.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const responseHeaders = new Headers()
        for (const [name, value] of Object.entries(res.headers)) for (const v of [value ?? []].flat()) responseHeaders.append(name, v)
        resolve(new Response(res.statusCode === 204 || res.statusCode === 304 ? null : Buffer.concat(chunks), { status: res.statusCode, headers: responseHeaders }))
      })
    }).on('error', reject)
    req.end(init.body)
  })
}

/**
 * Writes to `base` until stopped, as a busy server sees them: `signUps` clients signing up new
 * accounts (`<prefix>-<uuid>@example.com`) one after another, and one client signing out each of
 * `signOuts` in turn. `acknowledged` and `signedOut` list what the server answered 200 to.
 */
export function writeLoad(base: string, prefix: string, options: { signUps: number, signOuts: { cookie: string }[] }) {
  const acknowledged: string[] = []
  const signedOut: string[] = []
  let running = true
  const loops = [
    ...Array.from({ length: options.signUps }, async () => {
      while (running) {
        const email = `${prefix}-${randomUUID()}@example.com`
        const response = await request('/api/auth/sign-up/email', { method: 'POST', base, body: JSON.stringify({ name: prefix, email, password: 'correct horse battery' }) }).catch(() => undefined)
        if (response?.status === 200 && sessionCookie(response)) acknowledged.push(email)
      }
    }),
    (async () => {
      for (const user of options.signOuts) {
        if (!running) break
        const response = await request('/api/auth/sign-out', { method: 'POST', base, cookie: user.cookie, body: '{}' }).catch(() => undefined)
        if (response?.status === 200) signedOut.push(user.cookie)
      }
    })(),
  ]
  return {
    acknowledged,
    signedOut,
    /** Resolves once both kinds of write have been acknowledged at least `count` times. */
    underWay: (count: number) => expect.poll(() => acknowledged.length >= count && signedOut.length >= count, { timeout: 10_000, interval: 10 }).toBe(true),
    stop: async () => {
      running = false
      await Promise.all(loops)
    },
  }
}
