import { hashPassword } from 'better-auth/crypto'
import { describe, expect, it } from 'vitest'
import { SESSION_EXPIRES_IN } from '../support/config'
import { confirmAddress, COOKIE, database, request, sessionCookie, sessionsOf, signUp } from '../support/http'

const post = (path: string, body: object, cookie?: string) =>
  request(path, { method: 'POST', body: JSON.stringify(body), cookie })

describe('email and password accounts at better-auth\'s standard paths', () => {
  it('signs up, and the new session is stored with its IP address, user agent and configured lifetime', async () => {
    const before = Date.now()
    const { email, response, ip } = await signUp()
    expect(response.status).toBe(200)
    const [row, ...others] = await sessionsOf(email)
    expect(others).toHaveLength(0)
    // The client's address as the trusted proxy names it, not the proxy's own.
    expect(row?.ipAddress).toBe(ip)
    expect(row?.userAgent).toBeTruthy()
    // SESSION_EXPIRES_IN of the test server is 3 days, not the 7-day default.
    expect(row!.expiresAt.getTime() - before).toBeGreaterThan((SESSION_EXPIRES_IN - 60) * 1000)
    expect(row!.expiresAt.getTime() - before).toBeLessThan((SESSION_EXPIRES_IN + 60) * 1000)
  })

  it('signs in with the right password and refuses a wrong one', async () => {
    const { email, password } = await signUp()
    const wrong = await post('/api/auth/sign-in/email', { email, password: 'not the password' })
    expect(wrong.status).toBe(401)
    expect((await wrong.json()).message).toMatch(/invalid email or password/i)

    const right = await post('/api/auth/sign-in/email', { email, password })
    expect(right.status).toBe(200)
    expect((await request('/api/me', { cookie: sessionCookie(right) })).status).toBe(200)
    expect(await sessionsOf(email)).toHaveLength(2)
  })

  it('a sign-up sent again (its first answer lost) signs in with the same password; with another, the address is taken', async () => {
    const { email, password } = await signUp(undefined, undefined, { onboard: false })
    const other = await post('/api/auth/sign-up/email', { name: 'Someone else', email, password: 'another passphrase' })
    expect(other.status).toBe(422)
    expect((await other.json()).message).toMatch(/already exists/i)
    const again = await post('/api/auth/sign-up/email', { name: 'Test User', email, password })
    expect(again.status).toBe(200)
    expect((await request('/api/me', { cookie: sessionCookie(again) })).status).toBe(200)
    expect((await again.json()).user.email).toBe(email)
    expect(await sessionsOf(email)).toHaveLength(2)
  })

  it('a sign-up cut off after its user was written (no password, no session) is made whole by its retry', async () => {
    const { email } = await signUp(undefined, undefined, { onboard: false })
    // What an outage between better-auth's two inserts leaves: the user row alone, some seconds old.
    await database(async (sql) => {
      await sql.run('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
      await sql.run('DELETE FROM "account" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
    })
    const userRow = () => database(sql => sql.all<{ id: string }>('SELECT "id" FROM "user" WHERE "email" = ?', [email]))
    // Younger than SIGN_UP_SETTLE_MS, it may be a sign-up still running: left alone.
    expect((await post('/api/auth/sign-up/email', { name: 'Test User', email, password: 'the retried passphrase' })).status).toBe(422)
    const [original] = await userRow()
    await database(sql => sql.run('UPDATE "user" SET "createdAt" = ? WHERE "email" = ?', [new Date(Date.now() - 10_000), email]))
    const again = await post('/api/auth/sign-up/email', { name: 'Test User', email, password: 'the retried passphrase' })
    expect(again.status).toBe(200)
    expect((await request('/api/me', { cookie: sessionCookie(again) })).status).toBe(200)
    const signIn = await post('/api/auth/sign-in/email', { email, password: 'the retried passphrase' })
    expect(signIn.status).toBe(200)
    const rows = await userRow()
    expect(rows).toHaveLength(1)
    expect(rows[0]!.id).not.toBe(original!.id)
  })

  it('a sign-up for an address whose account is confirmed and onboarded but has no password or session (better-auth\'s code sign-in of an unconfirmed address leaves that) is still taken', async () => {
    const { email } = await signUp()
    await confirmAddress(email)
    await database(async (sql) => {
      await sql.run('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
      await sql.run('DELETE FROM "account" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
      await sql.run('UPDATE "user" SET "createdAt" = ? WHERE "email" = ?', [new Date(Date.now() - 10_000), email])
    })
    const userRow = () => database(sql => sql.all<{ id: string }>('SELECT "id" FROM "user" WHERE "email" = ?', [email]))
    const [original] = await userRow()
    const again = await post('/api/auth/sign-up/email', { name: 'Someone Else', email, password: 'someone else entirely' })
    expect(again.status).toBe(422)
    expect(sessionCookie(again)).toBeUndefined()
    expect(await userRow()).toEqual([original])
  })

  it('a sign-up for an address whose account was used since (a session, no password) is still taken', async () => {
    const { email } = await signUp(undefined, undefined, { onboard: false })
    await database(async (sql) => {
      await sql.run('DELETE FROM "account" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email])
      await sql.run('UPDATE "user" SET "createdAt" = ? WHERE "email" = ?', [new Date(Date.now() - 10_000), email])
    })
    const again = await post('/api/auth/sign-up/email', { name: 'Test User', email, password: 'someone else entirely' })
    expect(again.status).toBe(422)
    expect(await sessionsOf(email)).toHaveLength(1)
  })

  it('stores passwords as argon2id; an older scrypt hash still signs in and is replaced by argon2id on that sign-in', async () => {
    const { email, password } = await signUp()
    const stored = () => database(sql => sql.all<{ password: string }>('SELECT a."password" FROM "account" a JOIN "user" u ON u."id" = a."userId" WHERE u."email" = ? AND a."providerId" = \'credential\'', [email])).then(rows => rows.map(r => r.password))
    const [fresh] = await stored()
    expect(fresh).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    // What an account made before argon2id holds: better-auth's scrypt.
    const scrypt = await hashPassword(password)
    await database(sql => sql.run('UPDATE "account" SET "password" = ? WHERE "password" = ?', [scrypt, fresh]))
    expect((await post('/api/auth/sign-in/email', { email, password: 'a wrong password' })).status).toBe(401)
    expect(await stored()).toEqual([scrypt])
    expect((await post('/api/auth/sign-in/email', { email, password })).status).toBe(200)
    const [upgraded] = await stored()
    expect(upgraded).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect((await post('/api/auth/sign-in/email', { email, password })).status).toBe(200)
  })

  it('refuses a password shorter than 8 characters and creates nothing', async () => {
    const email = `short-${Date.now()}@example.com`
    const response = await post('/api/auth/sign-up/email', { name: 'Short', email, password: 'seven77' })
    expect(response.status).toBe(400)
    expect((await response.json()).message).toMatch(/password too short/i)
    expect(await sessionsOf(email)).toHaveLength(0)
  })

  it('refuses a malformed email with a clear message', async () => {
    const response = await post('/api/auth/sign-up/email', { name: 'Bad', email: 'not-an-email', password: 'long enough password' })
    expect(response.status).toBe(400)
    expect((await response.json()).message).toMatch(/invalid email/i)
  })

  it('get-session answers the session, without its token', async () => {
    const { cookie, email } = await signUp()
    const response = await request('/api/auth/get-session', { cookie })
    const body = await response.json()
    expect(body.user.email).toBe(email)
    expect(body.session.id).toBeTruthy()
    expect(body.session).not.toHaveProperty('token')
  })

  it('never puts the session token in a JSON body of sign-up or sign-in', async () => {
    const { email, password, response, cookie } = await signUp()
    const token = cookie.split('=')[1]!.split('.')[0]!
    expect(await response.text()).not.toContain(token)
    const signIn = await post('/api/auth/sign-in/email', { email, password })
    const signInToken = sessionCookie(signIn)!.split('=')[1]!.split('.')[0]!
    expect(await signIn.text()).not.toContain(signInToken)
  })
})

describe('the session cookie', () => {
  it('is HttpOnly, SameSite=Lax, site-wide, and not Secure over plain http', async () => {
    const { response } = await signUp()
    const header = response.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`))!
    expect(header).toMatch(/;\s*HttpOnly/i)
    expect(header).toMatch(/;\s*SameSite=Lax/i)
    expect(header).toMatch(/;\s*Path=\//i)
    expect(header).not.toMatch(/;\s*Secure/i)
  })

  it('sign-in issues a new token: a token presented before sign-in never becomes valid', async () => {
    const { email, password } = await signUp()
    const planted = `${COOKIE}=planted-by-an-attacker.c2lnbmF0dXJl`
    const signIn = await post('/api/auth/sign-in/email', { email, password }, planted)
    expect(sessionCookie(signIn)).not.toBe(planted)
    expect((await sessionsOf(email)).map(s => s.token)).not.toContain('planted-by-an-attacker')
    const withPlanted = await request('/api/me', { cookie: planted })
    expect(withPlanted.status).toBe(401)
  })

  it('sign-out deletes the session row, clears the cookie, and the old cookie then gets 401', async () => {
    const { cookie, email } = await signUp()
    expect((await request('/api/me', { cookie })).status).toBe(200)

    const signOut = await request('/api/auth/sign-out', { method: 'POST', body: '{}', cookie })
    expect(signOut.status).toBe(200)
    const cleared = signOut.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`))
    expect(cleared).toMatch(/Max-Age=0/i)
    expect(await sessionsOf(email)).toHaveLength(0)

    const after = await request('/api/me', { cookie })
    expect(after.status).toBe(401)
    expect(await after.json()).toEqual({ success: false, message: 'Authentication required', ended: 'signed-out' })
  })
})
