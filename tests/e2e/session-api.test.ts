import { describe, expect, it } from 'vitest'
import { SESSION_EXPIRES_IN, SESSION_UPDATE_AGE } from '../support/config'
import { request, sessionCookie, sessionsOf, setSessionTimes, signUp } from '../support/http'

describe('GET /api/session', () => {
  it('answers data: null without a session', async () => {
    const response = await request('/api/session')
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ success: true, data: null, ended: null })
  })

  it('answers the user and the session by id, and never the token', async () => {
    const { cookie, email } = await signUp()
    const response = await request('/api/session', { cookie })
    expect(response.headers.get('cache-control')).toContain('no-store')
    const text = await response.text()
    const [row] = await sessionsOf(email)
    expect(text).not.toContain(row!.token)

    const { success, data } = JSON.parse(text)
    expect(success).toBe(true)
    expect(Object.keys(data.user).sort()).toEqual(
      ['createdAt', 'displayName', 'email', 'emailVerified', 'id', 'image', 'name', 'onboardedAt', 'role', 'timeZone', 'twoFactorEnabled', 'updatedAt'])
    expect(data.user).toMatchObject({ email, name: 'Test User', emailVerified: false, image: null, role: 'user' })
    expect(data.session).toEqual({ id: row!.id, expiresAt: row!.expiresAt.toISOString() })
  })

  it('slides the expiry once SESSION_UPDATE_AGE has passed and sends the refreshed cookie', async () => {
    const { cookie, email } = await signUp()
    const [row] = await sessionsOf(email)
    // Age the session: it was issued more than SESSION_UPDATE_AGE ago.
    const aged = Date.now() + (SESSION_EXPIRES_IN - SESSION_UPDATE_AGE - 60) * 1000
    await setSessionTimes(row!.id, { expiresAt: new Date(aged) })

    const response = await request('/api/session', { cookie })
    const refreshed = response.headers.getSetCookie().join('\n')
    expect(refreshed).toContain(`Max-Age=${SESSION_EXPIRES_IN}`)
    expect(sessionCookie(response)).toBe(cookie) // same token, re-issued
    const [after] = await sessionsOf(email)
    expect(after!.expiresAt.getTime()).toBeGreaterThan(aged + (SESSION_UPDATE_AGE - 120) * 1000)
  })
})

describe('GET /api/me (the model protected route)', () => {
  it('answers 401 JSON without a session', async () => {
    const response = await request('/api/me')
    expect(response.status).toBe(401)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(await response.json()).toEqual({ success: false, message: 'Authentication required' })
  })

  it('answers 401 for a forged or unknown cookie', async () => {
    const response = await request('/api/me', { cookie: 'better-auth.session_token=forged.Zm9yZ2Vk' })
    expect(response.status).toBe(401)
  })

  it('answers the signed-in user', async () => {
    const { cookie, email } = await signUp()
    const response = await request('/api/me', { cookie })
    expect(response.status).toBe(200)
    expect((await response.json()).data.email).toBe(email)
  })
})

describe('unknown API routes', () => {
  it('answer 404 JSON, not an HTML page', async () => {
    const response = await request('/api/does-not-exist')
    expect(response.status).toBe(404)
    const body = await response.json()
    expect(body.success).toBe(false)
    expect(body.message).toBeTruthy()
  })
})

describe('the API reference', () => {
  it('is not served by a production build', async () => {
    for (const path of ['/api/reference', '/api/openapi.json', '/api/auth/open-api/generate-schema']) {
      expect((await request(path)).status, path).toBe(404)
    }
  })
})
