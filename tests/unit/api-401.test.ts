import { describe, expect, it } from 'vitest'
import { endsTheSession } from '../../utils/api'

// Which 401s end the tab's session (plugins/api.ts): only this site's own API's.
describe('a 401 ends the session', () => {
  const origin = 'https://app.example.com'
  it('from this site\'s /api, by path or by full URL', () => {
    expect(endsTheSession('/api/me', origin)).toBe(true)
    expect(endsTheSession('https://app.example.com/api/sessions/abc', origin)).toBe(true)
  })

  it('not from better-auth\'s /api/auth (a wrong password), another site, or a page', () => {
    expect(endsTheSession('/api/auth/sign-in/email', origin)).toBe(false)
    expect(endsTheSession('https://api.partner.example/api/me', origin)).toBe(false)
    expect(endsTheSession('https://app.example.com.evil.example/api/me', origin)).toBe(false)
    expect(endsTheSession('/apiary', origin)).toBe(false)
  })
})
