import { spawnSync } from 'node:child_process'
import { beforeAll, describe, expect, inject, it } from 'vitest'
import { rootDir } from '../support/server'
import { adminCookie, database, request, sessionCookie, signUp } from '../support/http'

let admin: string
beforeAll(async () => {
  admin = await adminCookie()
})

const as = (cookie: string, path: string, init: RequestInit = {}) => request(path, { ...init, cookie })
const post = (cookie: string, path: string, body: object = {}) => as(cookie, path, { method: 'POST', body: JSON.stringify(body) })
const me = async (cookie: string) => (await request('/api/me', { cookie })).status
const userId = async (cookie: string) => (await (await request('/api/me', { cookie })).json()).data.id as string

function auditTypes(id: string) {
  // Audit ids are time-ordered cuids: the tiebreak for events of the same millisecond.
  return database(sql => sql.all<{ type: string, actorId: string | null }>('SELECT "type", "actorId" FROM "audit_event" WHERE "userId" = ? ORDER BY "createdAt", "id"', [id]))
}

describe('administrators', () => {
  it('are made by an operator (the shared server\'s is set up so); everyone else is a user', async () => {
    expect((await (await request('/api/me', { cookie: admin })).json()).data.role).toBe('admin')
    const { cookie } = await signUp()
    expect((await (await request('/api/me', { cookie })).json()).data.role).toBe('user')
  })

  it('are also made by `npm run admin:create -- --email`, for an account that already exists', async () => {
    const { cookie, email } = await signUp()
    const run = (address: string) => spawnSync('npm', ['run', '--silent', 'admin:create', '--', '--email', address], {
      cwd: rootDir, encoding: 'utf8', env: { ...process.env, DATABASE_URL: inject('databaseUrl') },
    })
    const promoted = run(email)
    expect(promoted.status, promoted.stderr).toBe(0)
    expect(promoted.stdout).toContain(`${email} is now an administrator.`)
    expect((await (await request('/api/me', { cookie })).json()).data.role).toBe('admin')
    expect((await as(cookie, '/api/admin/users')).status).toBe(200)
    const missing = run('nobody-here@example.com')
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain('Sign up at /register first')
  })

  it('alone may use the admin API and pages: 403 for users, 401 without a session', async () => {
    const { cookie } = await signUp()
    const target = await userId(cookie)
    for (const [path, method] of [['/api/admin/users', 'GET'], ['/api/admin/audit', 'GET'], [`/api/admin/users/${target}/sessions`, 'GET'], [`/api/admin/users/${target}/ban`, 'POST']]) {
      const response = await as(cookie, path!, { method, body: method === 'POST' ? JSON.stringify({ reason: 'x' }) : undefined })
      expect(response.status, path).toBe(403)
      expect(await response.json()).toEqual({ success: false, message: 'Administrator access required' })
      expect((await request(path!, { method })).status, path).toBe(401)
    }
    const page = await as(cookie, '/admin')
    expect(page.status).toBe(403)
    expect(await page.text()).not.toContain('data-testid="admin-users"')
    expect((await request('/admin')).status).toBe(302)
  })

  it('list users with search and paging', async () => {
    const tag = `find-me-${Date.now()}`
    for (let i = 0; i < 3; i++) await signUp(undefined, `${tag}-${i}@example.com`)
    const { data } = await (await as(admin, `/api/admin/users?q=${tag}`)).json()
    expect(data.total).toBe(3)
    expect(data.users.map((u: { email: string }) => u.email).sort()).toEqual([0, 1, 2].map(i => `${tag}-${i}@example.com`))
    expect(data.users[0]).toMatchObject({ role: 'user', banned: false })
    const all = await (await as(admin, '/api/admin/users?page=1')).json()
    expect(all.data.pageSize).toBe(20)
    expect(all.data.total).toBeGreaterThanOrEqual(4)
    expect((await as(admin, '/api/admin/users?page=0')).status).toBe(400)
  })

  it('see a user\'s sessions and end one or all of them', async () => {
    const { cookie, email, password } = await signUp()
    const second = sessionCookie(await post('', '/api/auth/sign-in/email', { email, password }))!
    const id = await userId(cookie)
    const sessions = (await (await as(admin, `/api/admin/users/${id}/sessions`)).json()).data
    expect(sessions).toHaveLength(2)
    expect(JSON.stringify(sessions)).not.toMatch(/token/i)

    expect((await as(admin, `/api/admin/sessions/${sessions[0].id}`, { method: 'DELETE' })).status).toBe(200)
    expect([await me(cookie), await me(second)].sort()).toEqual([200, 401])
    expect((await post(admin, `/api/admin/users/${id}/revoke-sessions`)).status).toBe(200)
    expect(await me(cookie)).toBe(401)
    expect(await me(second)).toBe(401)
    const adminId = await userId(admin)
    expect((await auditTypes(id)).slice(-2)).toEqual([
      { type: 'session_revoked', actorId: adminId },
      { type: 'all_sessions_revoked', actorId: adminId },
    ])
    expect((await as(admin, '/api/admin/users/nobody/sessions')).status).toBe(404)
  })

  it('ban a user: their sessions are refused on the very next request and sign-in says why; unban lets them back', async () => {
    const { cookie, email, password } = await signUp()
    const id = await userId(cookie)
    expect((await post(admin, `/api/admin/users/${id}/ban`, { reason: 'Abuse of the service', expiresInDays: 7 })).status).toBe(200)
    expect(await me(cookie)).toBe(401)

    const refused = await post('', '/api/auth/sign-in/email', { email, password })
    expect(refused.status).toBe(403)
    expect((await refused.json()).message).toMatch(/suspended/)
    const { data } = await (await as(admin, `/api/admin/users?q=${encodeURIComponent(email)}`)).json()
    expect(data.users[0]).toMatchObject({ banned: true, banReason: 'Abuse of the service' })
    expect(new Date(data.users[0].banExpires).getTime()).toBeGreaterThan(Date.now() + 6 * 86400_000)

    expect((await post(admin, `/api/admin/users/${id}/unban`)).status).toBe(200)
    expect((await post('', '/api/auth/sign-in/email', { email, password })).status).toBe(200)
    expect((await auditTypes(id)).map(r => r.type)).toEqual(expect.arrayContaining(['user_banned', 'user_unbanned']))
  })

  it('refuse a ban without a reason', async () => {
    const { cookie } = await signUp()
    const response = await post(admin, `/api/admin/users/${await userId(cookie)}/ban`, { reason: ' ' })
    expect(response.status).toBe(400)
    expect((await response.json()).message).toBe('reason: Give a reason')
    expect(await me(cookie)).toBe(200)
  })

  it('see everyone\'s security events, naming the user and the acting administrator', async () => {
    const { cookie, email } = await signUp()
    const id = await userId(cookie)
    await post(admin, `/api/admin/users/${id}/revoke-sessions`)
    const { data } = await (await as(admin, '/api/admin/audit')).json()
    const mine = data.events.filter((e: { userId: string }) => e.userId === id)
    expect(mine.map((e: { type: string }) => e.type)).toEqual(['all_sessions_revoked', 'sign_up'])
    expect(mine[0]).toMatchObject({ email, actorEmail: inject('adminEmail'), ipAddress: expect.stringMatching(/^10(\.\d+){3}$/) })
    expect(JSON.stringify(data)).not.toContain(cookie.split('=')[1]!.split('.')[0]!)
    expect((await as(cookie, '/api/admin/audit')).status).toBe(401)
    const page = await as(admin, '/admin/audit')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain(email)
  })

  it('changing a user\'s role is on record with the acting administrator', async () => {
    const { cookie } = await signUp()
    const id = await userId(cookie)
    expect((await post(admin, '/api/auth/admin/set-role', { userId: id, role: 'admin' })).status).toBe(200)
    expect((await (await request('/api/me', { cookie })).json()).data.role).toBe('admin')
    const [row] = await database(sql => sql.all<{ actorId: string, detail: string }>(`SELECT "actorId", "detail" FROM "audit_event" WHERE "userId" = ? AND "type" = 'role_changed'`, [id]))
    expect(row!.actorId).toBe(await userId(admin))
    expect(JSON.parse(row!.detail)).toEqual({ role: 'admin' })
  })

  it('setting a user\'s password ends that user\'s sessions (better-auth alone would not)', async () => {
    const { cookie, email } = await signUp()
    const id = await userId(cookie)
    const response = await post(admin, '/api/auth/admin/set-user-password', { userId: id, newPassword: 'set by an administrator' })
    expect(response.status).toBe(200)
    expect(await me(cookie)).toBe(401)
    expect((await post('', '/api/auth/sign-in/email', { email, password: 'set by an administrator' })).status).toBe(200)
    expect((await auditTypes(id)).map(r => r.type)).toContain('password_changed')
  })
})
