import { describe, expect, it } from 'vitest'
import { isCanonicalPath, isSameSitePath, loginPath, safeRedirect, sameSitePath } from '../../shared/utils/redirect'

describe('safeRedirect: where sign-in lands', () => {
  it.each([
    ['/dashboard', '/dashboard'],
    ['/dashboard?tab=security#devices', '/dashboard?tab=security#devices'],
    ['/account/sessions', '/account/sessions'],
    [['/first', '/second'], '/first'],
  ])('keeps the same-site path %j', (value, expected) => {
    expect(safeRedirect(value)).toBe(expected)
  })

  it.each([
    'https://evil.example',
    '//evil.example',
    '/\\evil.example',
    '/\t/evil.example',
    'javascript:alert(1)',
    'dashboard',
    '',
    undefined,
    null,
    42,
    '/login',
    '/register?redirect=/dashboard',
    // Dot segments and encodings that resolve to a path starting with //: another site to a browser.
    '/.//evil.com',
    '/./\\evil.com',
    '/x/..//evil.com',
    '/%2e//evil.com',
    '/%2E%2E//evil.com',
    '/./%2e//evil.com',
    '/dashboard/../..//evil.com',
  ])('falls back to /dashboard for %j', (value) => {
    expect(safeRedirect(value)).toBe('/dashboard')
  })
})

describe('loginPath', () => {
  it('encodes the way back', () => {
    expect(loginPath('/dashboard')).toBe('/login?redirect=%2Fdashboard')
    expect(loginPath('/dashboard?tab=1')).toBe('/login?redirect=%2Fdashboard%3Ftab%3D1')
  })

  it('drops a way back that is not a safe page', () => {
    expect(loginPath('/login')).toBe('/login')
    expect(loginPath('//evil.example')).toBe('/login')
  })

  it('says why the user was sent there, beside the way back', () => {
    expect(loginPath('/account/sessions', 'revoked')).toBe('/login?redirect=%2Faccount%2Fsessions&reason=revoked')
    expect(loginPath('//evil.example', 'expired')).toBe('/login?reason=expired')
  })
})

/** Every spelling of a path that could reach another route than it reads as, or another site. */
const VARIANTS = [
  '/api/auth/sign-in/./email', '/api/auth/x/../sign-in/email', '/api/auth/sign-in/x/%2e%2e/email', '/api/auth/sign-in/%2E/email',
  '/api/auth//sign-in/email', '/api/auth/sign-in%2femail', '/api/auth/sign-in%2Femail', '/api/auth\\sign-in/email', '/api/auth/sign-in/email/.',
  '/api/auth/sign-in/email/..', '/api/auth/%2e/open-api/generate-schema', '/api/me/%zz', '/.//evil.com', 'api/me', '',
  '/api/%6de', '/api/sessions/%35abc', '/api/auth/sign-in%3Fx/email', '/api/me%23x', '/api/me%20',
]

describe('isCanonicalPath: one spelling per route', () => {
  it.each(VARIANTS)('refuses %j', (path) => {
    expect(isCanonicalPath(path)).toBe(false)
  })

  it.each(['/', '/api/auth/sign-in/email', '/api/sessions/abc_DEF-123', '/api/auth/callback/oidc', '/login', '/reset-password', '/%C3%A9t%C3%A9'])('keeps %j', (path) => {
    expect(isCanonicalPath(path)).toBe(true)
  })
})

describe('isSameSitePath: where better-auth may send the browser', () => {
  it.each(['/dashboard', '/login?error=x', '/account/security#connected', '/login'])('keeps %j', (value) => {
    expect(isSameSitePath(value)).toBe(true)
  })

  it.each([...VARIANTS, 'https://evil.com', '//evil.com', '/\\evil.com', '/\t//evil.com', 'javascript:alert(1)', '/a b'])('refuses %j', (value) => {
    expect(isSameSitePath(value)).toBe(false)
  })
})

describe('sameSitePath: a redirect target given as a path or as a URL of this site', () => {
  const origin = 'https://app.example.com'
  it('keeps a path, or this origin followed by one, as written', () => {
    expect(sameSitePath('/dashboard?x=1', origin)).toBe('/dashboard?x=1')
    expect(sameSitePath(`${origin}/account/security`, origin)).toBe('/account/security')
    expect(sameSitePath(origin, origin)).toBe('/')
  })

  it.each(['https://app.example.com.evil.com/x', 'https://app.example.com@evil.com/', `${origin}//evil.com`, `${origin}/./x`, 'https://evil.com/', '//evil.com'])('refuses %j', (value) => {
    expect(sameSitePath(value, origin)).toBeUndefined()
  })
})
