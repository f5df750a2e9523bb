import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { adminCookie, ONBOARDING, rawRequest, request, sessionsOf, signUp } from '../support/http'

/**
 * A mobile client: plain HTTP with no cookies, no Origin and none of the Sec-Fetch-* headers
 * that browsers (and Node's fetch) add. It keeps the token sign-in handed it.
 */
function mobile(path: string, token?: string, init: { method?: string, body?: string } = {}): Promise<Response> {
  // Each phone on its own network (rawRequest's new client address), as the trusted proxy reports it.
  const headers: Record<string, string> = { 'origin': '', 'user-agent': 'SessionKitApp/1.0 (iOS 17)' }
  if (token) headers.authorization = `Bearer ${token}`
  return rawRequest(path, { ...init, headers })
}

/** Signs a new, onboarded user in the way an app would, returning its bearer token. */
async function mobileUser() {
  const email = `mobile-${randomUUID()}@example.com`
  const { password } = await signUp(undefined, email)
  const signIn = await mobile('/api/auth/sign-in/email', undefined, { method: 'POST', body: JSON.stringify({ email, password }) })
  expect(signIn.status).toBe(200)
  const token = signIn.headers.get('set-auth-token')
  expect(token).toMatch(/^[^.]+\.[^.]+$/)
  expect(await signIn.text()).not.toContain(token!.split('.')[0])
  return { email, token: token! }
}

describe('bearer sessions for API and mobile clients', () => {
  it('sign-in hands the session token in set-auth-token, and Authorization: Bearer opens every protected route', async () => {
    const { email, token } = await mobileUser()
    const me = await mobile('/api/me', token)
    expect(me.status).toBe(200)
    expect((await me.json()).data.email).toBe(email)
    expect((await mobile('/api/sessions', token)).status).toBe(200)
    expect((await (await mobile('/api/session', token)).json()).data.user.email).toBe(email)
    // A second request is answered from the same cache as cookies are.
    expect((await mobile('/api/me', token)).status).toBe(200)
  })

  it('onboarding works with a bearer token too', async () => {
    const email = `mobile-${randomUUID()}@example.com`
    const signUpResponse = await mobile('/api/auth/sign-up/email', undefined, { method: 'POST', body: JSON.stringify({ name: 'App', email, password: 'correct horse battery' }) })
    const token = signUpResponse.headers.get('set-auth-token')!
    expect((await mobile('/api/sessions', token)).status).toBe(403)
    expect((await mobile('/api/account/onboarding', token, { method: 'POST', body: JSON.stringify(ONBOARDING) })).status).toBe(200)
    expect((await mobile('/api/sessions', token)).status).toBe(200)
  })

  it('has the cookie\'s revocation guarantees: signed out, revoked by its user or by an administrator, the next request is 401', async () => {
    const own = await mobileUser()
    expect((await mobile('/api/me', own.token)).status).toBe(200)
    expect((await mobile('/api/auth/sign-out', own.token, { method: 'POST', body: '{}' })).status).toBe(200)
    expect((await sessionsOf(own.email)).map(s => s.token)).not.toContain(own.token.split('.')[0])
    const refused = await mobile('/api/me', own.token)
    expect(refused.status).toBe(401)
    expect((await refused.json()).ended).toBe('signed-out')

    const revoked = await mobileUser()
    expect((await mobile('/api/me', revoked.token)).status).toBe(200)
    const row = (await sessionsOf(revoked.email)).find(s => s.token === revoked.token.split('.')[0])
    expect((await request(`/api/admin/sessions/${row!.id}`, { method: 'DELETE', cookie: await adminCookie() })).status).toBe(200)
    const afterAdmin = await mobile('/api/me', revoked.token)
    expect(afterAdmin.status).toBe(401)
    expect((await afterAdmin.json()).ended).toBe('revoked')
  })

  it('refuses a token with a wrong signature or no signature', async () => {
    const { token } = await mobileUser()
    const [value] = token.split('.')
    expect((await mobile('/api/me', `${value}.${'A'.repeat(43)}=`)).status).toBe(401)
    expect((await mobile('/api/me', value)).status).toBe(401)
    expect((await mobile('/api/me', 'not a token')).status).toBe(401)
  })
})
