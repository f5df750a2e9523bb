import * as OTPAuth from 'otpauth'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { activityOf, database, rawRequest, request, sessionCookie, signUp } from '../support/http'
import { type ClockServer, startClockServer } from '../support/server'

let app: ClockServer
let clock = 0
beforeAll(async () => {
  app = await startClockServer({})
})
afterEach(() => {
  clock = 0
  app.setClock(0)
})
afterAll(() => app?.stop())

const post = (path: string, body: object, cookie?: string) => request(path, { base: app.url, method: 'POST', cookie, body: JSON.stringify(body) })
/** The session cookie a response sets, unless it only clears one. */
const newSession = (response: Response) => sessionCookie(response)?.match(/=.+/) ? sessionCookie(response) : undefined
const cookiesOf = (response: Response) => response.headers.getSetCookie().map(c => c.split(';')[0]!).filter(c => !c.endsWith('=')).join('; ')
/** The code an authenticator app shows now, by the server's clock (computed with otpauth, not by the app's code). */
const codeNow = (totp: OTPAuth.TOTP) => totp.generate({ timestamp: Date.now() + clock * 1000 })
const wrong = (code: string) => String((Number(code) + 500_000) % 1_000_000).padStart(6, '0')
const moveClock = (seconds: number) => {
  clock = seconds
  app.setClock(seconds)
}

/** A new user with two-factor sign-in on: their password, authenticator and backup codes. */
async function enrolled() {
  const user = await signUp(app.url)
  const enable = await post('/api/auth/two-factor/enable', { password: user.password }, user.cookie)
  expect(enable.status).toBe(200)
  const { totpURI, backupCodes } = await enable.json() as { totpURI: string, backupCodes: string[] }
  const totp = OTPAuth.URI.parse(totpURI) as OTPAuth.TOTP
  // Turning it on renews the session: the response carries the new cookie.
  const verified = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, sessionCookie(enable) ?? user.cookie)
  expect(verified.status).toBe(200)
  return { ...user, cookie: newSession(verified)!, totp, totpURI, backupCodes }
}
const firstFactor = async (email: string, password: string) => {
  const response = await post('/api/auth/sign-in/email', { email, password })
  expect(response.status).toBe(200)
  expect(await response.json()).toMatchObject({ twoFactorRedirect: true })
  expect(newSession(response)).toBeUndefined()
  return cookiesOf(response)
}

describe('two-factor sign-in (TOTP)', () => {
  it('enrolment: the password gives an otpauth URI and 10 backup codes; the first code turns it on; secrets are stored encrypted', async () => {
    const user = await signUp(app.url)
    const refused = await post('/api/auth/two-factor/enable', { password: 'not my password' }, user.cookie)
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ code: 'INVALID_PASSWORD', message: 'Invalid password' })

    const enable = await post('/api/auth/two-factor/enable', { password: user.password }, user.cookie)
    const { totpURI, backupCodes } = await enable.json()
    const totp = OTPAuth.URI.parse(totpURI) as OTPAuth.TOTP
    expect(totp.issuer).toBe('SessionKit')
    expect(totp.label).toBe(user.email)
    expect(totp.digits).toBe(6)
    expect(totp.period).toBe(30)
    expect(backupCodes).toHaveLength(10)
    let cookie = sessionCookie(enable) ?? user.cookie
    const me = async () => (await (await request('/api/session', { base: app.url, cookie })).json()).data.user.twoFactorEnabled
    expect(await me()).toBe(false)

    expect((await post('/api/auth/two-factor/verify-totp', { code: wrong(codeNow(totp)) }, cookie)).status).toBe(401)
    expect(await me()).toBe(false)
    const on = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, cookie)
    expect(on.status).toBe(200)
    cookie = newSession(on)!
    expect(await me()).toBe(true)
    expect(await activityOf(cookie, app.url)).toContain('two_factor_enabled')

    const [row] = await database(sql => sql.all<{ secret: string, backupCodes: string }>('SELECT t."secret", t."backupCodes" FROM "twoFactor" t JOIN "user" u ON u."id" = t."userId" WHERE u."email" = ?', [user.email]), app.databaseUrl)
    expect(row!.secret).not.toContain(totp.secret.base32)
    for (const code of backupCodes) expect(row!.backupCodes).not.toContain(code)
  })

  it('sign-in of an enrolled user asks for the code: no session until it is right', async () => {
    const { email, password, totp } = await enrolled()
    const pending = await firstFactor(email, password)
    expect((await request('/api/me', { base: app.url, cookie: pending })).status).toBe(401)

    const bad = await post('/api/auth/two-factor/verify-totp', { code: wrong(codeNow(totp)) }, pending)
    expect(bad.status).toBe(401)
    expect((await bad.json()).message).toBe('That code is not right. Enter the 6 digits your authenticator app shows now.')
    expect(newSession(bad)).toBeUndefined()

    const good = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, pending)
    expect(good.status).toBe(200)
    expect((await request('/api/me', { base: app.url, cookie: sessionCookie(good) })).status).toBe(200)

    // An API client (no Origin), which gets its session as set-auth-token, gets none before the code either.
    const api = await rawRequest('/api/auth/sign-in/email', { base: app.url, method: 'POST', headers: { origin: '' }, body: JSON.stringify({ email, password }) })
    expect(await api.json()).toMatchObject({ twoFactorRedirect: true })
    expect(api.headers.get('set-auth-token')).toBeNull()
  })

  it('a backup code signs in once', async () => {
    const { email, password, backupCodes } = await enrolled()
    const first = await post('/api/auth/two-factor/verify-backup-code', { code: backupCodes[0] }, await firstFactor(email, password))
    expect(first.status).toBe(200)
    expect(newSession(first)).toBeDefined()
    const again = await post('/api/auth/two-factor/verify-backup-code', { code: backupCodes[0] }, await firstFactor(email, password))
    expect(again.status).toBe(401)
    expect((await again.json()).message).toBe('That backup code is not right, or it was used already.')
  })

  it('5 wrong codes lock second-factor sign-in for 15 minutes, even with the right code and a new sign-in; then it works again', async () => {
    const { email, password, totp } = await enrolled()
    const pending = await firstFactor(email, password)
    for (let i = 0; i < 5; i++) expect((await post('/api/auth/two-factor/verify-totp', { code: wrong(codeNow(totp)) }, pending)).status).toBe(401)

    const locked = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, await firstFactor(email, password))
    expect(locked.status).toBe(429)
    const wait = Number(locked.headers.get('retry-after'))
    expect(wait).toBeGreaterThan(850)
    expect(wait).toBeLessThanOrEqual(900)
    expect(await locked.json()).toMatchObject({
      code: 'RATE_LIMITED',
      message: 'Too many wrong codes: sign-in with a second factor is locked for this account. Try again in 15 minutes.',
    })
    expect(newSession(locked)).toBeUndefined()

    moveClock(901)
    const unlocked = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, await firstFactor(email, password))
    expect(unlocked.status).toBe(200)
  })

  it('a browser trusted at sign-in skips the code next time; any other browser is still asked', async () => {
    const { email, password, totp } = await enrolled()
    const trusted = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp), trustDevice: true }, await firstFactor(email, password))
    expect(trusted.status).toBe(200)
    const trustCookie = trusted.headers.getSetCookie().map(c => c.split(';')[0]!).find(c => c.includes('trust_device') && !c.endsWith('='))
    expect(trustCookie).toBeDefined()

    const again = await post('/api/auth/sign-in/email', { email, password }, trustCookie)
    expect(again.status).toBe(200)
    expect(await again.json()).not.toHaveProperty('twoFactorRedirect')
    expect(newSession(again)).toBeDefined()
    await firstFactor(email, password)
  })

  it('new backup codes need the password and replace the old ones', async () => {
    const { email, password, cookie, backupCodes: old } = await enrolled()
    const refused = await post('/api/auth/two-factor/generate-backup-codes', { password: 'not my password' }, cookie)
    expect(refused.status).toBe(400)
    const made = await post('/api/auth/two-factor/generate-backup-codes', { password }, cookie)
    expect(made.status).toBe(200)
    const { backupCodes } = await made.json() as { backupCodes: string[] }
    expect(backupCodes).toHaveLength(10)
    expect(backupCodes.filter(code => old.includes(code))).toEqual([])
    expect(await activityOf(cookie, app.url)).toContain('backup_codes_replaced')

    expect((await post('/api/auth/two-factor/verify-backup-code', { code: old[0] }, await firstFactor(email, password))).status).toBe(401)
    const signedIn = await post('/api/auth/two-factor/verify-backup-code', { code: backupCodes[0] }, await firstFactor(email, password))
    expect(signedIn.status).toBe(200)
    expect(newSession(signedIn)).toBeDefined()
  })

  it('a new password voids the sign-ins waiting for their second factor, even one whose row a racing change missed', async () => {
    const { email, password, totp, cookie } = await enrolled()
    // A change through the page: the pending sign-in's row goes with the old password.
    const pending = await firstFactor(email, password)
    expect((await post('/api/account/password', { currentPassword: password, newPassword: 'changed while typing', signOutOtherDevices: false }, cookie)).status).toBe(200)
    const late = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, pending)
    expect(late.status).toBe(401)
    expect(newSession(late)).toBeUndefined()
    // As a race can leave it: the password changed after the first factor, and the pending row is still there.
    const other = await signUp(app.url)
    const raced = await firstFactor(email, 'changed while typing')
    await database(sql => sql.run('UPDATE "account" SET "password" = (SELECT a."password" FROM "account" a JOIN "user" u ON u."id" = a."userId" WHERE u."email" = ?) WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [other.email, email]), app.databaseUrl)
    const refused = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, raced)
    expect(refused.status).toBe(401)
    expect(await refused.json()).toMatchObject({ success: false, code: 'PASSWORD_CHANGED' })
    expect(newSession(refused)).toBeUndefined()
    // The new password's own sign-in goes through.
    const signedIn = await post('/api/auth/two-factor/verify-totp', { code: codeNow(totp) }, await firstFactor(email, other.password))
    expect(signedIn.status).toBe(200)
    expect((await request('/api/me', { base: app.url, cookie: newSession(signedIn) })).status).toBe(200)
  })

  it('turning it off needs the password; then sign-in needs only the password', async () => {
    const { email, password, cookie } = await enrolled()
    expect((await post('/api/auth/two-factor/disable', { password: 'not my password' }, cookie)).status).toBe(400)
    expect(await activityOf(cookie, app.url)).not.toContain('two_factor_disabled')
    const off = await post('/api/auth/two-factor/disable', { password }, cookie)
    expect(off.status).toBe(200)
    // Turning it off renews the session too.
    expect(await activityOf(newSession(off)!, app.url)).toContain('two_factor_disabled')
    const signedIn = await post('/api/auth/sign-in/email', { email, password })
    expect(signedIn.status).toBe(200)
    expect(newSession(signedIn)).toBeDefined()
  })
})
