import { randomUUID } from 'node:crypto'
import { inject } from 'vitest'
import { ADMIN_EMAIL } from './config'
import { type Sql, withDatabase } from './db'

export const COOKIE = 'better-auth.session_token'

/** A request to the shared server, sent as the app's own pages would (same Origin, no redirects followed). */
export function request(path: string, init: RequestInit & { cookie?: string, base?: string } = {}) {
  const base = init.base ?? inject('baseURL')
  const headers = new Headers(init.headers)
  if (!headers.has('origin')) headers.set('origin', new URL(base).origin)
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
 * Registers a new user (with `email`, or a random one), onboarded unless told otherwise, and
 * returns its credentials and session cookie.
 */
export async function signUp(base?: string, email = `user-${randomUUID()}@example.com`, options: { onboard?: boolean } = {}) {
  const password = 'correct horse battery'
  const response = await request('/api/auth/sign-up/email', {
    method: 'POST',
    base,
    body: JSON.stringify({ name: 'Test User', email, password }),
  })
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`)
  const cookie = sessionCookie(response)!
  if (options.onboard !== false) await onboard(cookie, base)
  return { email, password, response, cookie }
}

/** The types of a user's security activity (/api/account/events, newest first), as they see it. */
export async function activityOf(cookie: string, base?: string): Promise<string[]> {
  const response = await request('/api/account/events', { base, cookie })
  if (response.status !== 200) throw new Error(`activity failed: ${response.status} ${await response.text()}`)
  return ((await response.json()).data as { type: string }[]).map(e => e.type)
}

/** A session cookie of the shared server's administrator (ADMIN_EMAIL), creating the account on first use. */
export async function adminCookie() {
  const password = 'administrator passphrase'
  const body = JSON.stringify({ name: 'Admin', email: ADMIN_EMAIL, password })
  const created = await request('/api/auth/sign-up/email', { method: 'POST', body })
  if (created.status === 200) {
    await onboard(sessionCookie(created)!)
    return sessionCookie(created)!
  }
  // Another test file made it first.
  const signedIn = await request('/api/auth/sign-in/email', { method: 'POST', body })
  if (signedIn.status !== 200) throw new Error(`admin sign-in failed: ${signedIn.status}`)
  return sessionCookie(signedIn)!
}

/** Runs `use` on the database of a test server (the shared one by default), as an operator would. */
export function database<T>(use: (sql: Sql) => Promise<T>, url = inject('databaseUrl')): Promise<T> {
  return withDatabase(url, use)
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
