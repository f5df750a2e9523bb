import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, sessionCookie, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'

const PARTNER = 'https://app.partner.example'
const EVIL = 'https://evil.example'
let app: TestServer
beforeAll(async () => {
  app = await startServer({ CORS_ORIGINS: `${PARTNER},https://admin.partner.example` })
})
afterAll(() => app?.stop())

const from = (origin: string, path: string, init: RequestInit & { cookie?: string } = {}) =>
  request(path, { ...init, base: app.url, headers: { ...init.headers as Record<string, string>, origin } })
const preflight = (origin: string, path: string, method: string) => from(origin, path, {
  method: 'OPTIONS',
  headers: { 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
})

describe('CORS for the origins in CORS_ORIGINS', () => {
  it('answers a real preflight with the exact origin, credentials, and the headers a client needs', async () => {
    const response = await preflight(PARTNER, '/api/auth/sign-in/email', 'POST')
    expect(response.status).toBe(204)
    expect(response.headers.get('access-control-allow-origin')).toBe(PARTNER)
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('access-control-allow-methods')).toContain('POST')
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/)
    expect(response.headers.get('vary')).toMatch(/origin/i)
  })

  it('signs in from that origin and exposes set-auth-token and set-auth-jwt', async () => {
    const { email, password } = await signUp(app.url)
    const response = await from(PARTNER, '/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe(PARTNER)
    expect(response.headers.get('access-control-allow-credentials')).toBe('true')
    expect(response.headers.get('access-control-expose-headers')).toMatch(/set-auth-token/)
    expect(response.headers.get('access-control-expose-headers')).toMatch(/set-auth-jwt/)
    const me = await from(PARTNER, '/api/me', { cookie: sessionCookie(response) })
    expect(me.status).toBe(200)
    expect(me.headers.get('access-control-allow-origin')).toBe(PARTNER)
  })
})

describe('any other origin', () => {
  it('gets no CORS headers, on preflights or real requests', async () => {
    const pre = await preflight(EVIL, '/api/me', 'GET')
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull()
    const { cookie } = await signUp(app.url)
    const read = await from(EVIL, '/api/me', { cookie })
    expect(read.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('cannot change anything: forged state-changing requests are refused with 403 and leave the sessions alone', async () => {
    const { cookie } = await signUp(app.url)
    const forged = [
      await from(EVIL, '/api/sessions/revoke-all', { method: 'POST', cookie, body: '{}' }),
      await from(EVIL, '/api/auth/sign-out', { method: 'POST', cookie, body: '{}' }),
      await from(EVIL, '/api/account/onboarding', { method: 'POST', cookie, body: JSON.stringify({ displayName: 'Pwned', timeZone: 'UTC' }) }),
    ]
    for (const response of forged) {
      expect(response.status).toBe(403)
      expect(await response.json()).toMatchObject({ success: false, message: 'Requests from this origin are not allowed' })
    }
    const me = await request('/api/me', { base: app.url, cookie })
    expect(me.status).toBe(200)
    expect((await me.json()).data.displayName).toBe('Test User')
  })

  it('a CORS_ORIGINS entry that is not a bare origin stops the server with a clear line', async () => {
    await expect(startServer({ CORS_ORIGINS: 'https://*.partner.example' })).rejects.toThrow(/CORS_ORIGINS/)
  })
})
