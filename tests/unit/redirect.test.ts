import { describe, expect, it } from 'vitest'
import { loginPath, safeRedirect } from '../../shared/utils/redirect'

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
