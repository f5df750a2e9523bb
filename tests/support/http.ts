import { randomUUID } from 'node:crypto'
import Database from 'better-sqlite3'
import { inject } from 'vitest'
import { ADMIN_EMAIL } from './config'

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

/** Registers a new user (with `email`, or a random one) and returns its credentials and session cookie. */
export async function signUp(base?: string, email = `user-${randomUUID()}@example.com`) {
  const password = 'correct horse battery'
  const response = await request('/api/auth/sign-up/email', {
    method: 'POST',
    base,
    body: JSON.stringify({ name: 'Test User', email, password }),
  })
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`)
  return { email, password, response, cookie: sessionCookie(response)! }
}

/** A session cookie of the shared server's administrator (ADMIN_EMAIL), creating the account on first use. */
export async function adminCookie() {
  const password = 'administrator passphrase'
  const body = JSON.stringify({ name: 'Admin', email: ADMIN_EMAIL, password })
  const created = await request('/api/auth/sign-up/email', { method: 'POST', body })
  if (created.status === 200) return sessionCookie(created)!
  // Another test file made it first.
  const signedIn = await request('/api/auth/sign-in/email', { method: 'POST', body })
  if (signedIn.status !== 200) throw new Error(`admin sign-in failed: ${signedIn.status}`)
  return sessionCookie(signedIn)!
}

/** Direct access to a test server's SQLite database (the shared one by default), as an operator would have. */
export function database(file = inject('dbFile')) {
  return new Database(file)
}

/** Moves a session's timestamps, stored the way Prisma stores SQLite dates (ISO text): time travel for tests. */
export function setSessionTimes(id: string, times: { createdAt?: Date, expiresAt?: Date }) {
  const db = database()
  for (const [column, value] of Object.entries(times)) {
    db.prepare(`UPDATE session SET "${column}" = ? WHERE id = ?`).run(value.toISOString().replace('Z', '+00:00'), id)
  }
  db.close()
}

/** The session rows of a user, by email (in the shared server's database unless told another). */
export function sessionsOf(email: string, file?: string) {
  const db = database(file)
  try {
    const rows = db.prepare(`SELECT s.* FROM session s JOIN user u ON u.id = s.userId WHERE u.email = ?`).all(email) as
      { id: string, token: string, expiresAt: string, ipAddress: string | null, userAgent: string | null }[]
    return rows.map(row => ({ ...row, expiresAt: new Date(row.expiresAt) }))
  }
  finally {
    db.close()
  }
}
