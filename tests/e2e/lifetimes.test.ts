import * as OTPAuth from 'otpauth'
import { describe, expect, it } from 'vitest'
import { SESSION_EXPIRES_IN } from '../support/config'
import { COOKIE, request, sessionCookie, sessionsOf, setSessionTimes, signUp } from '../support/http'

const DAY = 86400_000
const MAX_AGE = 30 * DAY // SESSION_MAX_AGE default
const FRESH_AGE = DAY // SESSION_FRESH_AGE default
const ago = (ms: number) => new Date(Date.now() - ms)

/** A signed-in user whose session was signed in `age` ago (and, unless told, has not yet expired). */
async function signedInFor(age: number) {
  const user = await signUp()
  const [row] = await sessionsOf(user.email)
  await setSessionTimes(row!.id, { createdAt: ago(age) })
  return { ...user, id: row!.id }
}

describe('idle timeout (sliding, SESSION_EXPIRES_IN)', () => {
  it('refuses a session whose expiry has passed and removes its row', async () => {
    const { cookie, email, id } = await signedInFor(0)
    await setSessionTimes(id, { expiresAt: ago(1000) })
    expect((await request('/api/me', { cookie })).status).toBe(401)
    expect(await sessionsOf(email)).toHaveLength(0)
  })

  it('keeps a session that is still within its expiry', async () => {
    const { cookie, id } = await signedInFor(2 * DAY)
    await setSessionTimes(id, { expiresAt: new Date(Date.now() + 60_000) })
    expect((await request('/api/me', { cookie })).status).toBe(200)
  })
})

describe('absolute maximum lifetime (SESSION_MAX_AGE)', () => {
  it('accepts an active session just under the maximum age', async () => {
    const { cookie } = await signedInFor(MAX_AGE - 60_000)
    expect((await request('/api/me', { cookie })).status).toBe(200)
  })

  it('refuses and removes a session past the maximum age, however recently it was used', async () => {
    const { cookie, email, id } = await signedInFor(MAX_AGE + 60_000)
    await setSessionTimes(id, { expiresAt: new Date(Date.now() + SESSION_EXPIRES_IN * 1000) }) // just refreshed
    const response = await request('/api/session', { cookie })
    expect(await response.json()).toEqual({ success: true, data: null, ended: 'expired' })
    expect(response.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`))).toMatch(/Max-Age=0/)
    expect(await sessionsOf(email)).toHaveLength(0)
    expect((await request('/api/me', { cookie })).status).toBe(401)
  })

  it('holds on better-auth\'s own routes too', async () => {
    const { cookie } = await signedInFor(MAX_AGE + 60_000)
    const response = await request('/api/auth/get-session', { cookie })
    expect(await response.json()).toBeNull()
  })
})

describe('freshness: ending other sessions needs a recent sign-in', () => {
  it('allows it within SESSION_FRESH_AGE of signing in', async () => {
    const { cookie } = await signedInFor(FRESH_AGE - 60_000)
    expect((await request('/api/sessions/revoke-others', { method: 'POST', cookie })).status).toBe(200)
  })

  it('asks for the password once the sign-in is older, and changes nothing', async () => {
    const { cookie, email, password } = await signedInFor(FRESH_AGE + 60_000)
    const other = sessionCookie(await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) }))!
    for (const path of ['/api/sessions/revoke-others', '/api/sessions/revoke-all']) {
      const response = await request(path, { method: 'POST', cookie })
      expect(response.status, path).toBe(403)
      expect(await response.json()).toEqual({ success: false, message: 'Please confirm your password to continue.', code: 'REAUTH_REQUIRED' })
    }
    const otherId = (await (await request('/api/sessions', { cookie })).json()).data[1].id
    expect((await request(`/api/sessions/${otherId}`, { method: 'DELETE', cookie })).status).toBe(403)
    // better-auth's own routes for the same actions do not answer at all, and disconnecting a
    // provider (better-auth's route) needs the same fresh sign-in.
    for (const path of ['/api/auth/revoke-other-sessions', '/api/auth/revoke-sessions', '/api/auth/revoke-session']) {
      expect((await request(path, { method: 'POST', cookie, body: '{}' })).status, path).toBe(404)
    }
    const unlink = await request('/api/auth/unlink-account', { method: 'POST', cookie, body: JSON.stringify({ providerId: 'oidc' }) })
    expect(unlink.status).toBe(403)
    expect(await unlink.json()).toMatchObject({ code: 'REAUTH_REQUIRED' })
    expect((await request('/api/me', { cookie: other })).status).toBe(200)
    expect(await sessionsOf(email)).toHaveLength(2)
  })

  it('always lets a stale session list its devices and sign itself out', async () => {
    const { cookie, email } = await signedInFor(FRESH_AGE + 60_000)
    expect((await request('/api/sessions', { cookie })).status).toBe(200)
    const [own] = await sessionsOf(email)
    expect((await request(`/api/sessions/${own!.id}`, { method: 'DELETE', cookie })).status).toBe(200)
  })

  it('re-authentication with the right password replaces the session with a fresh one', async () => {
    const { cookie, email, password } = await signedInFor(FRESH_AGE + 60_000)
    const wrong = await request('/api/sessions/reauthenticate', { method: 'POST', cookie, body: JSON.stringify({ password: 'not it' }) })
    expect(wrong.status).toBe(403)
    expect((await wrong.json()).message).toBe('Incorrect password')
    expect((await request('/api/me', { cookie })).status).toBe(200)

    const right = await request('/api/sessions/reauthenticate', { method: 'POST', cookie, ip: '203.0.113.78', body: JSON.stringify({ password }) })
    expect(right.status).toBe(200)
    const fresh = sessionCookie(right)!
    expect(fresh).not.toBe(cookie)
    expect((await request('/api/me', { cookie })).status).toBe(401) // the old session is gone
    expect(await sessionsOf(email)).toEqual([expect.objectContaining({ ipAddress: '203.0.113.78' })])
    expect((await request('/api/sessions/revoke-others', { method: 'POST', cookie: fresh })).status).toBe(200)
  })

  it('re-authentication keeps a two-factor user signed in: the password is enough, the session is swapped, not ended', async () => {
    const { email, password, cookie: first } = await signUp()
    const post = (path: string, body: object, cookie: string) => request(path, { method: 'POST', cookie, body: JSON.stringify(body) })
    const enable = await post('/api/auth/two-factor/enable', { password }, first)
    const totp = OTPAuth.URI.parse((await enable.json()).totpURI) as OTPAuth.TOTP
    const cookie = sessionCookie(await post('/api/auth/two-factor/verify-totp', { code: totp.generate() }, sessionCookie(enable) ?? first))!
    const [row] = await sessionsOf(email)
    await setSessionTimes(row!.id, { createdAt: ago(FRESH_AGE + 60_000) })
    expect((await post('/api/sessions/revoke-others', {}, cookie)).status).toBe(403)

    expect((await post('/api/sessions/reauthenticate', { password: 'not it' }, cookie)).status).toBe(403)
    const right = await post('/api/sessions/reauthenticate', { password }, cookie)
    expect(right.status).toBe(200)
    const fresh = sessionCookie(right)!
    expect((await request('/api/me', { cookie: fresh })).status).toBe(200)
    expect((await request('/api/me', { cookie })).status).toBe(401)
    expect(await sessionsOf(email)).toHaveLength(1)
    expect((await post('/api/sessions/revoke-others', {}, fresh)).status).toBe(200)
    // better-auth's side of it is for the server only.
    expect((await post('/api/auth/reauthenticate', { password }, fresh)).status).toBe(404)
  })

  it('refuses an empty password with 400', async () => {
    const { cookie } = await signedInFor(0)
    const response = await request('/api/sessions/reauthenticate', { method: 'POST', cookie, body: JSON.stringify({ password: '' }) })
    expect(response.status).toBe(400)
    expect((await response.json()).message).toContain('Enter your password')
  })
})
