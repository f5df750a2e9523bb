import { describe, expect, it } from 'vitest'
import { database, request, sessionCookie, signUp } from '../support/http'

interface AuditRow { type: string, userId: string | null, email: string | null, ipAddress: string | null, userAgent: string | null, requestId: string | null, detail: string | null }

function auditOf(email: string): Promise<AuditRow[]> {
  // Audit ids are time-ordered cuids: the tiebreak for events of the same millisecond.
  return database(sql => sql.all<AuditRow>('SELECT * FROM "audit_event" WHERE "email" = ? ORDER BY "createdAt", "id"', [email]))
}

describe('request ids', () => {
  it('every response carries one, for pages and API alike', async () => {
    for (const path of ['/', '/api/session', '/api/me', '/dashboard']) {
      const response = await request(path)
      expect(response.headers.get('x-request-id'), path).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('keeps a well-formed x-request-id from the caller and replaces anything else', async () => {
    const kept = await request('/api/session', { headers: { 'x-request-id': 'trace-42.a:b' } })
    expect(kept.headers.get('x-request-id')).toBe('trace-42.a:b')
    const replaced = await request('/api/session', { headers: { 'x-request-id': 'bad id <script>' } })
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})

describe('the audit log', () => {
  it('records sign-up, failed and successful sign-ins, revocations, password change, sign-out and deletion', async () => {
    const { email, password, cookie } = await signUp()
    const userId = (await (await request('/api/me', { cookie })).json()).data.id
    const signIn = (pw: string, headers: Record<string, string> = {}) =>
      request('/api/auth/sign-in/email', { method: 'POST', headers, body: JSON.stringify({ email, password: pw }) })

    const failed = await signIn('wrong password', { 'x-request-id': 'failed-attempt-1', 'user-agent': 'AuditTest/1.0' })
    expect(failed.status).toBe(401)
    const statuses: number[] = []
    const step = async (response: Promise<Response>) => {
      const answer = await response
      statuses.push(answer.status)
      return answer
    }
    await step(signIn(password))
    const ids = (await (await request('/api/sessions', { cookie })).json()).data.map((s: { id: string }) => s.id)
    await step(request(`/api/sessions/${ids[1]}`, { method: 'DELETE', cookie }))
    await step(request('/api/sessions/revoke-others', { method: 'POST', cookie }))
    await step(request('/api/account/password', {
      method: 'POST', cookie, body: JSON.stringify({ currentPassword: password, newPassword: 'another good passphrase', signOutOtherDevices: false }),
    }))
    await step(request('/api/sessions/revoke-all', { method: 'POST', cookie }))
    const again = sessionCookie(await step(signIn('another good passphrase')))!
    await step(request('/api/auth/sign-out', { method: 'POST', body: '{}', cookie: again }))
    const last = sessionCookie(await step(signIn('another good passphrase')))!
    await step(request('/api/account/delete', { method: 'POST', cookie: last, body: JSON.stringify({ password: 'another good passphrase' }) }))
    // Every action went through, so each must have left its row.
    expect(statuses).toEqual(Array(9).fill(200))

    const rows = await auditOf(email)
    expect(rows.map(r => r.type)).toEqual([
      'sign_up', 'sign_in_failed', 'sign_in', 'session_revoked', 'other_sessions_revoked',
      'password_changed', 'all_sessions_revoked', 'sign_in', 'sign_out', 'sign_in', 'account_deleted',
    ])
    expect(rows.every(r => r.userId === userId)).toBe(true)
    // Each client's address as the trusted proxy named it (the test's clients are 10.x.y.z), never the proxy's.
    expect(rows.every(r => /^10(\.\d+){3}$/.test(r.ipAddress ?? '') && r.requestId)).toBe(true)
    expect(rows[1]).toMatchObject({ requestId: 'failed-attempt-1', userAgent: 'AuditTest/1.0' })
    expect(JSON.parse(rows[5]!.detail!)).toEqual({ signedOutOtherDevices: false })
  })

  it('records a failed sign-in on an unknown address without inventing a user', async () => {
    const email = `nobody-${Date.now()}@example.com`
    await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password: 'whatever it is' }) })
    expect(await auditOf(email)).toEqual([expect.objectContaining({ type: 'sign_in_failed', userId: null })])
  })

  it('never stores a session token', async () => {
    const { cookie } = await signUp()
    const token = cookie.split('=')[1]!.split('.')[0]!
    await request('/api/sessions/revoke-all', { method: 'POST', cookie })
    const dump = JSON.stringify(await database(sql => sql.all('SELECT * FROM "audit_event"')))
    expect(dump).not.toContain(token)
  })

  it('shows users their own recent security events, newest first, and nobody else\'s', async () => {
    const mine = await signUp()
    const theirs = await signUp()
    await request('/api/auth/sign-in/email', { method: 'POST', ip: '203.0.113.77', body: JSON.stringify({ email: mine.email, password: 'wrong one!' }) })
    const response = await request('/api/account/events', { cookie: mine.cookie })
    const { data } = await response.json()
    expect(data.map((e: { type: string }) => e.type)).toEqual(['sign_in_failed', 'sign_up'])
    expect(data[0]).toMatchObject({ ipAddress: '203.0.113.77', browser: expect.any(String), os: expect.any(String) })
    const other = await (await request('/api/account/events', { cookie: theirs.cookie })).json()
    expect(other.data.map((e: { type: string }) => e.type)).toEqual(['sign_up'])
    expect((await request('/api/account/events')).status).toBe(401)
  })
})
