import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { request, signUp } from '../support/http'

describe('security headers', () => {
  it('every response forbids MIME sniffing and keeps full URLs from other sites', async () => {
    // Ours everywhere; Nuxt's error page sends the stricter no-referrer.
    const policies = { '/': 'strict-origin-when-cross-origin', '/login': 'strict-origin-when-cross-origin', '/api/session': 'strict-origin-when-cross-origin', '/api/auth/jwks': 'strict-origin-when-cross-origin', '/no-such-page': 'no-referrer' }
    for (const [path, policy] of Object.entries(policies)) {
      const response = await request(path)
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff')
      expect(response.headers.get('referrer-policy'), path).toBe(policy)
    }
  })

  it('no response that carries session data may be stored: pages, our API and better-auth\'s', async () => {
    const { cookie } = await signUp()
    for (const path of ['/dashboard', '/api/session', '/api/me', '/api/sessions', '/api/auth/get-session', '/login']) {
      expect((await request(path, { cookie })).headers.get('cache-control'), path).toMatch(/no-store/)
    }
    const signIn = await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email: `nobody-${randomUUID()}@example.com`, password: 'wrong password' }) })
    expect(signIn.headers.get('cache-control')).toMatch(/no-store/)
  })

  it('signing out (here, everywhere, or by deleting the account) clears the browser\'s storage and the session cookie, not every cookie', async () => {
    const { cookie } = await signUp()
    const response = await request('/api/auth/sign-out', { method: 'POST', cookie, body: '{}' })
    expect(response.status).toBe(200)
    // "cookies" would also erase the cookie of a browser trusted for two-factor sign-in.
    expect(response.headers.get('clear-site-data')).toBe('"storage"')
    for (const path of ['/api/sessions/revoke-all', '/api/account/delete']) {
      const user = await signUp()
      const ended = await request(path, { method: 'POST', cookie: user.cookie, body: JSON.stringify({ password: user.password }) })
      expect(ended.status, path).toBe(200)
      expect(ended.headers.get('clear-site-data'), path).toBe('"storage"')
      expect(ended.headers.getSetCookie().find(c => c.startsWith('better-auth.session_token=')), path).toMatch(/Max-Age=0/)
    }
  })

  it('pages do not name the framework they are built with', async () => {
    const page = await request('/login')
    expect(page.status).toBe(200)
    expect(page.headers.get('x-powered-by')).toBeNull()
  })

  it('pages send a Content-Security-Policy: own origin only, inline scripts only with this response\'s nonce', async () => {
    const { cookie } = await signUp()
    const nonces = new Set<string>()
    for (const [path, signedIn] of [['/', true], ['/login', false], ['/dashboard', true], ['/account/security', true], ['/register', false]] as const) {
      const response = await request(path, { cookie: signedIn ? cookie : undefined })
      const policy = response.headers.get('content-security-policy') ?? ''
      const directives = Object.fromEntries(policy.split('; ').map(d => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]))
      const nonce = directives['script-src']?.match(/^'self' 'nonce-([\w+/=]{24})'$/)?.[1]
      expect(nonce, `${path}: ${policy}`).toBeDefined()
      expect(directives).toMatchObject({
        'default-src': '\'self\'', 'style-src': '\'self\'', 'img-src': '\'self\' data:', 'connect-src': '\'self\'',
        'object-src': '\'none\'', 'base-uri': '\'none\'', 'form-action': '\'self\'', 'frame-ancestors': '\'none\'',
      })
      const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? []
      expect(scripts.length, path).toBeGreaterThan(0)
      for (const tag of scripts) expect(tag, path).toContain(`nonce="${nonce}"`)
      nonces.add(nonce!)
    }
    // A fresh nonce for every response.
    expect(nonces.size).toBe(5)
    // Nuxt's error page runs no script at all.
    expect((await request('/no-such-page')).headers.get('content-security-policy')).toContain('script-src \'none\'')
  })
})
