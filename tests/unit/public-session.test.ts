import { describe, expect, it } from 'vitest'
import { stripTokens } from '../../server/auth/handler'
import { PublicSessionSchema } from '../../shared/utils/session'

const user = {
  id: 'u1', email: 'a@example.com', name: 'A', emailVerified: false, image: null, role: 'user',
  createdAt: new Date('2026-01-01'), updatedAt: new Date('2026-01-02'), banned: false,
}
const session = { id: 's1', token: 'secret-token', userId: 'u1', ipAddress: '127.0.0.1', expiresAt: new Date('2026-02-01') }

describe('what the browser may see of a session', () => {
  it('is the user and the session id and expiry, never the token', () => {
    const view = PublicSessionSchema.parse({ user, session })
    expect(view.session).toEqual({ id: 's1', expiresAt: new Date('2026-02-01') })
    expect(JSON.stringify(view)).not.toContain('secret-token')
    expect(Object.keys(view.user)).not.toContain('banned')
  })

  it('stripTokens removes tokens from better-auth bodies and leaves other bodies untouched', () => {
    expect(stripTokens({ token: 't', user })).toEqual({ user })
    const { session: inner } = stripTokens({ session, user }) as { session: object }
    expect(inner).not.toHaveProperty('token')
    expect(inner).toMatchObject({ id: 's1', userId: 'u1' })
    expect((stripTokens([session]) as object[])[0]).not.toHaveProperty('token')
    // At any depth, and under every name a token goes by (admin/list-user-sessions nests them).
    const nested = stripTokens({ sessions: [{ id: 's1', token: 'secret-token' }], accounts: [{ accessToken: 'a', refreshToken: 'r', idToken: 'i', providerId: 'oidc' }] })
    expect(nested).toEqual({ sessions: [{ id: 's1' }], accounts: [{ providerId: 'oidc' }] })
    const plain = { status: true, list: [{ id: 1 }] }
    expect(stripTokens(plain)).toBe(plain)
    expect(stripTokens(null)).toBe(null)
  })
})
