import { describe, expect, it } from 'vitest'
import { request, signUp } from '../support/http'

/** A page's body with its nonces blanked, its CSP nonce, and every nonce its scripts carry. */
async function page(path: string, cookie?: string) {
  const response = await request(path, { cookie })
  const body = await response.text()
  const nonce = response.headers.get('content-security-policy')?.match(/'nonce-([\w+/=]{24})'/)?.[1]
  return {
    status: response.status,
    location: response.headers.get('location'),
    body,
    blanked: body.replaceAll(/nonce="[^"]*"/g, 'nonce=""'),
    nonce,
    scriptNonces: new Set([...body.matchAll(/<script\b[^>]*nonce="([^"]*)"/g)].map(m => m[1])),
  }
}

describe('pages for visitors with no credentials (kept for PAGE_CACHE_TTL)', () => {
  it('each visitor gets the same page with a nonce of its own, in the body and in its policy alike', async () => {
    const first = await page('/')
    const second = await page('/')
    expect([first.status, second.status]).toEqual([200, 200])
    expect(second.blanked).toBe(first.blanked)
    expect(second.nonce).toBeDefined()
    expect(second.nonce).not.toBe(first.nonce)
    expect([...second.scriptNonces]).toEqual([second.nonce])
    expect(second.body).not.toContain(first.nonce)
  })

  it('a signed-in visitor is rendered for: never given the page kept for visitors without a session', async () => {
    const { cookie } = await signUp()
    expect((await page('/')).body).toContain('Create an account')
    const signedIn = await page('/', cookie)
    expect(signedIn.body).toContain('Go to your dashboard')
    expect(signedIn.body).not.toContain('Create an account')
    // A page for signed-out visitors only still sends a signed-in one on, after a visitor without one was answered.
    expect((await page('/login')).status).toBe(200)
    const guest = await page('/login', cookie)
    expect(guest.status).toBe(302)
    expect(guest.location).toBe('/dashboard')
  })

  it('each address is its own page: the query string counts', async () => {
    expect((await page('/')).body).not.toContain('Your account has been deleted')
    expect((await page('/?deleted=1')).body).toContain('Your account has been deleted')
    expect((await page('/')).body).not.toContain('Your account has been deleted')
  })

  it('a page whose address carries an emailed link\'s token tells every cache not to keep it', async () => {
    for (const path of ['/reset-password?token=a-secret-token', '/verify-email?token=a-secret-token']) {
      const response = await request(path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get('cache-control'), path).toBe('private, no-store')
    }
    expect((await request('/')).headers.get('cache-control')).toBeNull()
  })

  it('a page that is not found or sends the visitor elsewhere is rendered every time', async () => {
    for (let i = 0; i < 2; i++) {
      const missing = await page('/no-such-page')
      expect(missing.status).toBe(404)
      const protectedPage = await page('/dashboard')
      expect(protectedPage.status).toBe(302)
      expect(protectedPage.location).toBe('/login?redirect=%2Fdashboard')
    }
  })
})
