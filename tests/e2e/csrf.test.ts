import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '../../server/auth/route-table'
import { adminCookie, createAdmin, database, request, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

const EVIL = 'https://evil.example'
const ADMIN = `csrf-admin-${randomUUID()}@example.com`
let mailbox: TestMailbox
let app: TestServer
let user: Awaited<ReturnType<typeof signUp>>
let admin: { cookie: string }
let userId: string
let links: { verify: URL, reset: URL }

beforeAll(async () => {
  mailbox = await startMailbox()
  app = await startServer({ SMTP_URL: mailbox.url, REVOCATION_LIST_KEY: 'k'.repeat(40) })
  user = await signUp(app.url)
  await createAdmin(app.url, app.databaseUrl, ADMIN)
  admin = { cookie: await adminCookie(app.url, ADMIN) }
  await request('/api/auth/request-password-reset', { base: app.url, method: 'POST', body: JSON.stringify({ email: user.email }) })
  links = { verify: await mailbox.link(user.email, 'Confirm your email address'), reset: await mailbox.link(user.email, 'Reset your password') }
  userId = (await (await request('/api/me', { base: app.url, cookie: user.cookie })).json()).data.id
  // The first token creates the signing key: not a state change of anyone's account.
  await request('/api/auth/token', { base: app.url, cookie: user.cookie })
})
afterAll(async () => {
  await app?.stop()
  await mailbox?.close()
})

/** Everything a request could change for people: accounts, sessions (but their sliding expiry), links, factors, the audit log. */
function snapshot() {
  return database(async sql => ({
    users: await sql.all('SELECT "id", "email", "emailVerified", "name", "role", "banned", "displayName", "twoFactorEnabled" FROM "user" ORDER BY "id"'),
    sessions: await sql.all('SELECT "id", "userId", "token" FROM "session" ORDER BY "id"'),
    accounts: await sql.all('SELECT "id", "providerId", "userId", "password" FROM "account" ORDER BY "id"'),
    verifications: await sql.all('SELECT "identifier", "value" FROM "verification" ORDER BY "identifier"'),
    twoFactors: await sql.all('SELECT "id" FROM "twoFactor"'),
    audit: await sql.all('SELECT COUNT(*) AS n FROM "audit_event"'),
  }), app.databaseUrl)
}

const withId = (path: string) => path.replace('{id}', userId)

describe('a GET never changes state', () => {
  it('every GET route of ours, better-auth\'s, the pages, and the emailed links, called with sessions: nothing changes', async () => {
    const before = await snapshot()
    const paths = [
      ...ROUTES.filter(r => r.method === 'GET').map(r => withId(r.path)),
      '/api/auth/get-session', '/api/auth/list-sessions', '/api/auth/list-accounts', '/api/auth/token', '/api/auth/jwks',
      `/api/auth/verify-email${links.verify.search}`, `/api/auth/reset-password/${links.reset.searchParams.get('token')}?callbackURL=/reset-password`,
      '/', '/dashboard', '/account', '/account/sessions', '/account/security', '/admin', '/onboarding', '/login-2fa',
      links.verify.pathname + links.verify.search, links.reset.pathname + links.reset.search,
    ]
    const statuses: Record<string, number> = {}
    for (const path of paths) {
      for (const cookie of [user.cookie, admin.cookie]) statuses[path] = (await request(path, { base: app.url, cookie })).status
    }
    expect(statuses['/api/me']).toBe(200)
    expect(statuses[`/api/admin/users/${userId}/sessions`]).toBe(200)
    expect(await snapshot()).toEqual(before)
    // The emailed links were only opened, not used: they still work.
    expect((await request('/api/account/verify-email', { base: app.url, method: 'POST', body: JSON.stringify({ token: links.verify.searchParams.get('token') }) })).status).toBe(200)
  })
})

describe('a state-changing request from another origin is refused', () => {
  const forged: [string, string, object][] = [
    ...ROUTES.filter(r => r.method !== 'GET').map(r => [r.method, withId(r.path), {}] as [string, string, object]),
    ['POST', '/api/sessions/revoke-all', {}],
    ['POST', '/api/account/password', { currentPassword: 'correct horse battery', newPassword: 'attacker chosen pass' }],
    ['POST', '/api/account/delete', { password: 'correct horse battery' }],
    ['POST', `/api/admin/users/{id}/ban`, { reason: 'forged' }],
    ['POST', '/api/auth/sign-out', {}],
    ['POST', '/api/auth/sign-in/email', { email: 'x@example.com', password: 'correct horse battery' }],
    ['POST', '/api/auth/sign-up/email', { name: 'X', email: `forged-${randomUUID()}@example.com`, password: 'correct horse battery' }],
    ['POST', '/api/auth/change-password', { currentPassword: 'correct horse battery', newPassword: 'attacker chosen pass' }],
    ['POST', '/api/auth/update-user', { name: 'Forged' }],
    ['POST', '/api/auth/delete-user', { password: 'correct horse battery' }],
    ['POST', '/api/auth/revoke-sessions', {}],
    ['POST', '/api/auth/request-password-reset', { email: 'x@example.com' }],
    ['POST', '/api/auth/two-factor/enable', { password: 'correct horse battery' }],
    ['POST', '/api/auth/email-otp/send-verification-otp', { email: 'x@example.com', type: 'sign-in' }],
    ['POST', '/api/auth/admin/ban-user', { userId: '{id}' }],
    ['POST', '/api/auth/admin/set-role', { userId: '{id}', role: 'admin' }],
  ]

  it('ours and better-auth\'s: 403 with the victim\'s cookies, and nothing changes', async () => {
    const before = await snapshot()
    for (const [method, path, body] of forged) {
      for (const cookie of [user.cookie, admin.cookie]) {
        const response = await request(withId(path), {
          base: app.url, method, cookie, headers: { origin: EVIL }, body: JSON.stringify(body).replace('{id}', userId),
        })
        expect(response.status, `${method} ${path}`).toBe(403)
        expect(await response.json(), `${method} ${path}`).toEqual({ success: false, message: 'Requests from this origin are not allowed' })
      }
    }
    expect(await snapshot()).toEqual(before)
    // The same request from the app's own pages does change things: the refusal above was the origin's doing.
    const own = await request('/api/account/onboarding', { base: app.url, method: 'POST', cookie: user.cookie, body: JSON.stringify({ displayName: 'Renamed', timeZone: 'UTC' }) })
    expect(own.status).toBe(200)
    expect(await snapshot()).not.toEqual(before)
  })
})
