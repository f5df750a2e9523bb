import { describe, expect, it } from 'vitest'
import { COOKIE, database, request, sessionCookie, sessionsOf, signUp } from '../support/http'

const NEW_PASSWORD = 'a brand new passphrase'

async function userWithSecondDevice() {
  const user = await signUp()
  const other = sessionCookie(await request('/api/auth/sign-in/email', {
    method: 'POST', body: JSON.stringify({ email: user.email, password: user.password }),
  }))!
  return { ...user, other }
}
const signInStatus = async (email: string, password: string) =>
  (await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) })).status
const meStatus = async (cookie: string) => (await request('/api/me', { cookie })).status
const post = (path: string, cookie: string, body: object) => request(path, { method: 'POST', cookie, body: JSON.stringify(body) })

describe('POST /api/account/password', () => {
  it('changes the password and, by default, signs out every other device while this one stays signed in', async () => {
    const { cookie, other, email, password } = await userWithSecondDevice()
    const response = await post('/api/account/password', cookie, { currentPassword: password, newPassword: NEW_PASSWORD })
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(JSON.parse(text)).toEqual({ success: true, data: { signedOutOtherDevices: true } })
    const renewed = sessionCookie(response)!
    expect(renewed).not.toBe(cookie)
    expect(text).not.toContain(renewed.split('=')[1]!.split('.')[0]!)
    expect(await meStatus(renewed)).toBe(200)
    expect(await meStatus(other)).toBe(401)
    expect(await meStatus(cookie)).toBe(401)
    expect(await sessionsOf(email)).toHaveLength(1)
    expect(await signInStatus(email, password)).toBe(401)
    expect(await signInStatus(email, NEW_PASSWORD)).toBe(200)
  })

  it('keeps the other devices signed in when the user unticks the option', async () => {
    const { cookie, other, password } = await userWithSecondDevice()
    const response = await post('/api/account/password', cookie, { currentPassword: password, newPassword: NEW_PASSWORD, signOutOtherDevices: false })
    expect(response.status).toBe(200)
    expect(await meStatus(other)).toBe(200)
    expect(await meStatus(cookie)).toBe(200)
  })

  it('refuses a wrong current password or a short new one, and changes nothing', async () => {
    const { cookie, other, email, password } = await userWithSecondDevice()
    const wrong = await post('/api/account/password', cookie, { currentPassword: 'not it', newPassword: NEW_PASSWORD })
    expect(wrong.status).toBe(400)
    expect((await wrong.json()).message).toMatch(/invalid password/i)
    const short = await post('/api/account/password', cookie, { currentPassword: password, newPassword: 'short' })
    expect(short.status).toBe(400)
    expect((await short.json()).message).toBe('newPassword: Use at least 8 characters')
    expect(await meStatus(other)).toBe(200)
    expect(await signInStatus(email, password)).toBe(200)
  })

  it('answers 401 without a session', async () => {
    expect((await request('/api/account/password', { method: 'POST', body: '{}' })).status).toBe(401)
  })
})

describe('POST /api/account/delete', () => {
  it('refuses a wrong password and deletes nothing', async () => {
    const { cookie, email, password } = await signUp()
    const response = await post('/api/account/delete', cookie, { password: 'not it' })
    expect(response.status).toBe(400)
    expect(await meStatus(cookie)).toBe(200)
    expect(await signInStatus(email, password)).toBe(200)
  })

  it('with the password, ends every session, clears the cookie and leaves no rows behind', async () => {
    const { cookie, other, email, password } = await userWithSecondDevice()
    const [{ id }] = await database(sql => sql.all<{ id: string }>('SELECT "id" FROM "user" WHERE "email" = ?', [email])) as [{ id: string }]

    const response = await post('/api/account/delete', cookie, { password })
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`))).toMatch(/Max-Age=0/)
    expect(await meStatus(cookie)).toBe(401)
    expect(await meStatus(other)).toBe(401)
    expect(await signInStatus(email, password)).toBe(401)

    for (const [table, column] of [['user', 'id'], ['session', 'userId'], ['account', 'userId']] as const) {
      const rows = await database(sql => sql.all(`SELECT 1 FROM "${table}" WHERE "${column}" = ?`, [id]))
      expect(rows, table).toHaveLength(0)
    }
  })
})
