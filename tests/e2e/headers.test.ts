import { describe, expect, it } from 'vitest'
import { request, signUp } from '../support/http'

describe('security headers', () => {
  it('every response forbids MIME sniffing and keeps full URLs from other sites', async () => {
    for (const path of ['/', '/login', '/api/session', '/api/auth/jwks', '/no-such-page']) {
      const response = await request(path)
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      // Nuxt's error page sends the stricter no-referrer.
      expect(response.headers.get('referrer-policy'), path).toMatch(/^(strict-origin-when-cross-origin|no-referrer)$/)
    }
  })

  it('no response that carries session data may be stored: pages, our API and better-auth\'s', async () => {
    const { cookie } = await signUp()
    for (const path of ['/dashboard', '/api/session', '/api/me', '/api/sessions', '/api/auth/get-session', '/login']) {
      expect((await request(path, { cookie })).headers.get('cache-control'), path).toMatch(/no-store/)
    }
    const signIn = await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password' }) })
    expect(signIn.headers.get('cache-control')).toMatch(/no-store/)
  })

  it('sign-out tells the browser to clear cookies and storage', async () => {
    const { cookie } = await signUp()
    const response = await request('/api/auth/sign-out', { method: 'POST', cookie, body: '{}' })
    expect(response.status).toBe(200)
    expect(response.headers.get('clear-site-data')).toBe('"cookies", "storage"')
  })
})
