import { describe, expect, it } from 'vitest'
import { SESSION_EXPIRES_IN, SESSION_UPDATE_AGE } from '../support/config'
import { request, sessionCookie, sessionsOf, setSessionTimes, signUp } from '../support/http'

describe('server-rendered pages', () => {
  it('serves the public pages to a signed-out visitor', async () => {
    for (const path of ['/', '/login', '/register']) {
      const response = await request(path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('content-type')).toContain('text/html')
    }
  })

  it('redirects /dashboard without a session to the sign-in page, with no protected content', async () => {
    const response = await request('/dashboard')
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/login?redirect=%2Fdashboard')
    const html = await response.text()
    expect(html).not.toContain('data-testid="user-email"')
    expect(html).not.toContain('Welcome,')
  })

  it('keeps the full path, query included, in the redirect', async () => {
    const response = await request('/dashboard?tab=security')
    expect(response.headers.get('location')).toBe(`/login?redirect=${encodeURIComponent('/dashboard?tab=security')}`)
  })

  it('renders /dashboard with the user\'s email already in the server HTML', async () => {
    const { cookie, email } = await signUp()
    const response = await request('/dashboard', { cookie })
    expect(response.status).toBe(200)
    const html = await response.text()
    expect(html).toContain(`data-testid="user-email">${email}<`)
    expect(html).not.toContain('>Create account<') // no signed-out navigation in the first paint
  })

  it('passes a sliding refresh made while rendering on to the browser', async () => {
    const { cookie, email } = await signUp()
    const [row] = await sessionsOf(email)
    const aged = new Date(Date.now() + (SESSION_EXPIRES_IN - SESSION_UPDATE_AGE - 60) * 1000)
    await setSessionTimes(row!.id, { expiresAt: aged })

    const response = await request('/dashboard', { cookie })
    expect(response.status).toBe(200)
    expect(sessionCookie(response)).toBe(cookie)
    expect(response.headers.getSetCookie().join('\n')).toContain(`Max-Age=${SESSION_EXPIRES_IN}`)
    expect((await sessionsOf(email))[0]!.expiresAt.getTime()).toBeGreaterThan(aged.getTime() + (SESSION_UPDATE_AGE - 120) * 1000)
  })

  it('sets no cookie while rendering for a session that is not due for refresh', async () => {
    const { cookie } = await signUp()
    const response = await request('/dashboard', { cookie })
    expect(response.status).toBe(200)
    expect(sessionCookie(response)).toBeUndefined()
  })

  it('sends a signed-in user who opens /login or /register to /dashboard', async () => {
    const { cookie } = await signUp()
    for (const path of ['/login', '/register']) {
      const response = await request(path, { cookie })
      expect(response.status, path).toBe(302)
      expect(response.headers.get('location'), path).toBe('/dashboard')
    }
  })

  it('follows a same-site redirect after sign-in and refuses to leave the site', async () => {
    const { cookie } = await signUp()
    const cases: Record<string, string> = {
      '/dashboard?tab=1': '/dashboard?tab=1',
      'https://evil.example': '/dashboard',
      '//evil.example': '/dashboard',
      '/\\evil.example': '/dashboard',
      // Dot segments and encoded dots that a URL parser turns into //evil.example.
      '/.//evil.example': '/dashboard',
      '/x/..//evil.example': '/dashboard',
      '/%2e//evil.example': '/dashboard',
      '/./%2E%2E//evil.example': '/dashboard',
      '/dashboard/../..//evil.example': '/dashboard',
    }
    for (const [target, expected] of Object.entries(cases)) {
      const response = await request(`/login?redirect=${encodeURIComponent(target)}`, { cookie })
      expect(response.headers.get('location'), target).toBe(expected)
    }
  })
})
