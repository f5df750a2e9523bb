import { beforeEach, describe, expect, it, vi } from 'vitest'

// Which audit row each better-auth route's outcome writes (server/audit/audit.ts auditAfterHook),
// with the database and the new-device notice faked.
const rows: Record<string, unknown>[] = []
const notices: string[] = []
let failWrites = false
vi.mock('../../server/platform/db', () => ({
  useDb: () => ({
    auditEvent: { create: async ({ data }: { data: Record<string, unknown> }) => failWrites ? Promise.reject(new Error('disk full')) : void rows.push(data) },
    user: { findUnique: async ({ where }: { where: { email: string } }) => where.email === 'known@example.com' ? { id: 'u-known' } : null },
  }),
}))
vi.mock('../../server/audit/new-device', () => ({ noticeIfNewDevice: async (user: { id: string }) => void notices.push(user.id) }))
const { auditAfterHook, recordAudit } = await import('../../server/audit/audit')

type Hook = Parameters<typeof auditAfterHook>[0]
const user = (id: string, extra: Record<string, unknown> = {}) => ({ id, email: `${id}@example.com`, twoFactorEnabled: false, ...extra })
const headers = new Headers({ 'user-agent': 'AuditUnit/1.0', 'x-request-id': 'req-1', 'x-session-client-ip': '203.0.113.5' })
/** An after-hook context as better-auth gives it: the route, its body, what it returned, the sessions. */
const after = (path: string, context: Record<string, unknown> = {}, body: Record<string, unknown> = {}, params: Record<string, string> = {}) =>
  auditAfterHook({ path, body, params, headers, context: { returned: {}, ...context } } as unknown as Hook)
const types = () => rows.map(r => r.type)

beforeEach(() => {
  rows.length = 0
  notices.length = 0
  failWrites = false
})

describe('the audit after-hook', () => {
  it('a wrong password on a known address: sign_in_failed for that user, with the request\'s address, browser and id', async () => {
    await after('/sign-in/email', { returned: new Error('INVALID_EMAIL_OR_PASSWORD') }, { email: 'Known@Example.com' })
    expect(rows).toEqual([expect.objectContaining({ type: 'sign_in_failed', userId: 'u-known', email: 'known@example.com', ipAddress: '203.0.113.5', userAgent: 'AuditUnit/1.0', requestId: 'req-1' })])
    expect(notices).toEqual([])
  })

  it('a password sign-in that waits for its second factor writes nothing; the verified code writes the sign-in, after the new-device check', async () => {
    await after('/sign-in/email', { returned: { twoFactorRedirect: true } }, { email: 'a@example.com' })
    expect(rows).toEqual([])
    await after('/two-factor/verify-totp', { newSession: { user: user('a') } })
    expect(rows).toEqual([expect.objectContaining({ type: 'sign_in', userId: 'a', detail: JSON.stringify({ secondFactor: 'totp' }) })])
    expect(notices).toEqual(['a'])
  })

  it('the first code of an enrolment turns two-factor on; a wrong code writes nothing', async () => {
    await after('/two-factor/verify-totp', { returned: new Error('INVALID_CODE'), session: { user: user('a') } })
    await after('/two-factor/verify-totp', { session: { user: user('a') }, newSession: { user: user('a', { twoFactorEnabled: true }) } })
    expect(types()).toEqual(['two_factor_enabled'])
  })

  it('an administrator\'s ban is about the user, by the administrator, with its reason; a refused one writes nothing', async () => {
    await after('/admin/ban-user', { session: { user: user('admin') } }, { userId: 'victim', banReason: 'spam' })
    await after('/admin/ban-user', { returned: new Error('FORBIDDEN'), session: { user: user('admin') } }, { userId: 'victim' })
    expect(rows).toEqual([expect.objectContaining({ type: 'user_banned', userId: 'victim', actorId: 'admin', detail: JSON.stringify({ reason: 'spam', expiresIn: null }) })])
  })

  it('a user\'s own session actions are theirs; a password change says whether other devices were signed out', async () => {
    await after('/revoke-other-sessions', { session: { user: user('a') } })
    await after('/change-password', { session: { user: user('a') } }, { revokeOtherSessions: true })
    await after('/revoke-session', { session: null })
    expect(rows).toEqual([
      expect.objectContaining({ type: 'other_sessions_revoked', userId: 'a' }),
      expect.objectContaining({ type: 'password_changed', userId: 'a', detail: JSON.stringify({ signedOutOtherDevices: true }) }),
    ])
  })

  it('a provider\'s redirect back is a sign-in when it made a session, naming the provider; a link (no session) is not', async () => {
    await after('/callback/:id', { newSession: { user: user('a') } }, {}, { id: 'oidc' })
    await after('/callback/:id', {}, {}, { id: 'google' })
    expect(rows).toEqual([expect.objectContaining({ type: 'sign_in', userId: 'a', detail: JSON.stringify({ provider: 'oidc' }) })])
  })

  it('a failed audit write is logged and never fails the request', async () => {
    failWrites = true
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    await expect(recordAudit({ type: 'sign_out', userId: 'a' })).resolves.toBeUndefined()
    expect(logged).toHaveBeenCalledWith('[audit] could not record sign_out', expect.any(Error))
    logged.mockRestore()
  })
})
