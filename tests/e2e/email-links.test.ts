import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { activityOf, request, sessionCookie, signUp } from '../support/http'
import { type ClockServer, startClockServer, startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

const CONFIRM = 'Confirm your email address'
const RESET = 'Reset your password'
// A new address each run: Redis, shared by every run on this machine, keeps per-account counts.
const BOSS = `boss-${randomUUID()}@example.com`
const OWNER = `owner-${randomUUID()}@example.com`

let mailbox: TestMailbox
let app: ClockServer
let strict: TestServer

beforeAll(async () => {
  mailbox = await startMailbox()
  ;[app, strict] = await Promise.all([
    startClockServer({ SMTP_URL: mailbox.url, ADMIN_EMAILS: `${BOSS},${OWNER}` }),
    startServer({ SMTP_URL: mailbox.url, EMAIL_VERIFICATION: 'required' }),
  ])
})
afterEach(() => app.setClock(0))
afterAll(async () => {
  await Promise.all([app?.stop(), strict?.stop()])
  await mailbox?.close()
})

const post = (base: string, path: string, body: object, cookie?: string) => request(path, { base, method: 'POST', cookie, body: JSON.stringify(body) })
const verified = async (cookie: string) => (await (await request('/api/session', { base: app.url, cookie })).json()).data.user.emailVerified
const tokenOf = (link: URL) => link.searchParams.get('token')!

describe('email verification by link', () => {
  it('sign-up emails a link to a page; opening it changes nothing, confirming (a POST) verifies the address once', async () => {
    const { email, cookie } = await signUp(app.url)
    const link = await mailbox.link(email, CONFIRM)
    expect(link.origin + link.pathname).toBe(`${app.url}/verify-email`)
    expect(mailbox.to(email, CONFIRM)[0]!.text).toContain('works once, for one hour')

    expect((await request(link.pathname + link.search, { base: app.url, cookie })).status).toBe(200)
    // better-auth's own GET link only leads to that page.
    const old = await request(`/api/auth/verify-email?token=${tokenOf(link)}`, { base: app.url, cookie })
    expect(old.status).toBe(302)
    expect(old.headers.get('location')).toBe(`/verify-email?token=${tokenOf(link)}`)
    // It carries the link's token: no cache keeps it.
    expect(old.headers.get('cache-control')).toBe('private, no-store')
    expect(await verified(cookie)).toBe(false)

    expect(await activityOf(cookie, app.url)).not.toContain('email_verified')
    const confirmed = await post(app.url, '/api/account/verify-email', { token: tokenOf(link) })
    expect(confirmed.status).toBe(200)
    expect(await verified(cookie)).toBe(true)
    expect(await activityOf(cookie, app.url)).toContain('email_verified')

    const again = await post(app.url, '/api/account/verify-email', { token: tokenOf(link) })
    expect(again.status).toBe(400)
    expect(await again.json()).toEqual({ success: false, message: 'This link was already used. Sign in, or ask for a new one.' })
  })

  it('a link expires after one hour, and a forged or missing token is refused with a clear 400', async () => {
    const { email, cookie } = await signUp(app.url)
    const token = tokenOf(await mailbox.link(email, CONFIRM))
    app.setClock(3601)
    const late = await post(app.url, '/api/account/verify-email', { token })
    expect(late.status).toBe(400)
    expect((await late.json()).message).toBe('This link has expired. Sign in and ask for a new one.')
    app.setClock(0)

    const forged = await post(app.url, '/api/account/verify-email', { token: `${token.slice(0, -4)}AAAA` })
    expect(forged.status).toBe(400)
    expect((await forged.json()).message).toBe('This link is not valid.')
    const missing = await post(app.url, '/api/account/verify-email', {})
    expect(missing.status).toBe(400)
    expect((await missing.json()).message).toBe('token: This link is incomplete. Open it again from the email.')
    expect(await verified(cookie)).toBe(false)
    // Not used up by the failures: the real link still works within its hour.
    expect((await post(app.url, '/api/account/verify-email', { token })).status).toBe(200)
  })

  it('asking for the link again answers alike for unknown, unconfirmed and confirmed addresses; only the unconfirmed one gets mail', async () => {
    const unconfirmed = await signUp(app.url)
    const confirmed = await signUp(app.url)
    await post(app.url, '/api/account/verify-email', { token: tokenOf(await mailbox.link(confirmed.email, CONFIRM)) })
    const unknown = `nobody-${randomUUID()}@example.com`

    const answers = []
    for (const email of [unknown, unconfirmed.email, confirmed.email]) {
      const response = await post(app.url, '/api/auth/send-verification-email', { email })
      answers.push({ status: response.status, body: await response.json() })
    }
    expect(answers).toEqual(Array(3).fill({ status: 200, body: { status: true } }))
    await expect.poll(() => mailbox.to(unconfirmed.email, CONFIRM).length, { timeout: 5000 }).toBe(2)
    expect(mailbox.to(confirmed.email, CONFIRM)).toHaveLength(1)
    expect(mailbox.to(unknown)).toHaveLength(0)
  })
})

describe('password reset by link', () => {
  it('answers alike for a known and an unknown address, without waiting for the mail server', async () => {
    const { email } = await signUp(app.url)
    const unknown = `nobody-${randomUUID()}@example.com`
    mailbox.hold()
    try {
      const known = await post(app.url, '/api/auth/request-password-reset', { email })
      // The SMTP server has not accepted the mail yet: the answer did not wait for it.
      expect(mailbox.to(email, RESET)).toHaveLength(0)
      const other = await post(app.url, '/api/auth/request-password-reset', { email: unknown })
      expect(known.status).toBe(200)
      expect(other.status).toBe(200)
      expect(await known.json()).toEqual(await other.json())
    }
    finally {
      mailbox.release()
    }
    await expect.poll(() => mailbox.to(email, RESET).length, { timeout: 5000 }).toBe(1)
    expect(mailbox.to(unknown)).toHaveLength(0)
  })

  it('the link opens /reset-password, works once, and the reset signs the account out everywhere', async () => {
    const { email, password, cookie } = await signUp(app.url)
    await post(app.url, '/api/auth/request-password-reset', { email })
    const link = await mailbox.link(email, RESET)
    expect(link.origin + link.pathname).toBe(`${app.url}/reset-password`)
    expect((await request(link.pathname + link.search, { base: app.url })).status).toBe(200)

    expect((await post(app.url, '/api/auth/reset-password', { token: tokenOf(link), newPassword: 'reset and renewed' })).status).toBe(200)
    expect((await request('/api/me', { base: app.url, cookie })).status).toBe(401)
    expect((await post(app.url, '/api/auth/sign-in/email', { email, password })).status).toBe(401)
    const renewed = await post(app.url, '/api/auth/sign-in/email', { email, password: 'reset and renewed' })
    expect(renewed.status).toBe(200)
    expect((await activityOf(sessionCookie(renewed)!, app.url)).slice(0, 3)).toEqual(['sign_in', 'sign_in_failed', 'password_reset'])

    const again = await post(app.url, '/api/auth/reset-password', { token: tokenOf(link), newPassword: 'once more please' })
    expect(again.status).toBe(400)
    expect(await again.json()).toMatchObject({ code: 'INVALID_TOKEN' })
    expect((await post(app.url, '/api/auth/sign-in/email', { email, password: 'once more please' })).status).toBe(401)
  })

  it('the link expires after one hour and the password stays as it was', async () => {
    const { email, password } = await signUp(app.url)
    await post(app.url, '/api/auth/request-password-reset', { email })
    const token = tokenOf(await mailbox.link(email, RESET))
    app.setClock(3601)
    const late = await post(app.url, '/api/auth/reset-password', { token, newPassword: 'too late for this' })
    expect(late.status).toBe(400)
    expect(await late.json()).toMatchObject({ code: 'INVALID_TOKEN' })
    app.setClock(0)
    expect((await post(app.url, '/api/auth/sign-in/email', { email, password })).status).toBe(200)
  })
})

describe('a reset link is void once the password changes', () => {
  const requestLink = async (email: string, count: number) => {
    expect((await post(app.url, '/api/auth/request-password-reset', { email })).status).toBe(200)
    await expect.poll(() => mailbox.to(email, RESET).length, { timeout: 5000 }).toBe(count)
    return tokenOf(new URL(mailbox.to(email, RESET).at(-1)!.text!.match(/https?:\/\/\S+/)![0]))
  }

  it('using one link voids every other link of the account still in flight', async () => {
    const { email } = await signUp(app.url)
    const older = await requestLink(email, 1)
    const newer = await requestLink(email, 2)
    expect((await post(app.url, '/api/auth/reset-password', { token: newer, newPassword: 'the newest password' })).status).toBe(200)
    const stale = await post(app.url, '/api/auth/reset-password', { token: older, newPassword: 'an attacker\'s password' })
    expect(stale.status).toBe(400)
    expect((await post(app.url, '/api/auth/sign-in/email', { email, password: 'the newest password' })).status).toBe(200)
  })

  it('sign-ins still checking the old password when the reset lands get no session', async () => {
    const { email, password } = await signUp(app.url)
    const token = await requestLink(email, 1)
    // Eight clients sign in with the old password again and again (hashing queues them) until the reset has answered.
    let resetAnswered = false
    let firstSignedIn!: () => void
    const signedIn = new Promise<void>(resolve => (firstSignedIn = resolve))
    const client = async () => {
      const sessions: string[] = []
      while (!resetAnswered) {
        const response = await post(app.url, '/api/auth/sign-in/email', { email, password })
        if (response.status === 200) {
          sessions.push(sessionCookie(response)!)
          firstSignedIn()
        }
      }
      return sessions
    }
    const clients = Array.from({ length: 8 }, client)
    await signedIn
    expect((await post(app.url, '/api/auth/reset-password', { token, newPassword: 'the owner\'s new password' })).status).toBe(200)
    resetAnswered = true
    const sessions = (await Promise.all(clients)).flat()
    const alive = []
    for (const cookie of sessions) if ((await request('/api/me', { base: app.url, cookie })).status !== 401) alive.push(cookie)
    expect(sessions.length).toBeGreaterThan(0)
    expect(alive).toEqual([])
  })

  it('changing the password while signed in voids the links too', async () => {
    const { email, password, cookie } = await signUp(app.url)
    const link = await requestLink(email, 1)
    expect((await post(app.url, '/api/account/password', { currentPassword: password, newPassword: 'changed on purpose', signOutOtherDevices: false }, cookie)).status).toBe(200)
    expect((await post(app.url, '/api/auth/reset-password', { token: link, newPassword: 'an attacker\'s password' })).status).toBe(400)
    expect((await post(app.url, '/api/auth/sign-in/email', { email, password: 'changed on purpose' })).status).toBe(200)
  })
})

describe('requests that prove or change one account, sent at once, are taken one at a time', () => {
  const requestLink = async (email: string) => {
    expect((await post(app.url, '/api/auth/request-password-reset', { email })).status).toBe(200)
    return tokenOf(await mailbox.link(email, RESET))
  }
  const alive = async (cookie: string | undefined) => !!cookie && (await request('/api/me', { base: app.url, cookie })).status === 200

  it('a password change sent with the old password at the moment the owner resets it never outlives the reset', async () => {
    for (let round = 0; round < 3; round++) {
      const { email, password, cookie } = await signUp(app.url)
      const token = await requestLink(email)
      const [reset, change] = await Promise.all([
        post(app.url, '/api/auth/reset-password', { token, newPassword: 'the owner\'s reset password' }),
        post(app.url, '/api/account/password', { currentPassword: password, newPassword: 'the attacker\'s password', signOutOtherDevices: true }, cookie),
      ])
      expect(reset.status, `round ${round}`).toBe(200)
      // Whichever went first, the reset has the last word: the owner's password works, and nothing of the other does.
      expect(await alive(sessionCookie(change)), `round ${round}`).toBe(false)
      expect(await alive(cookie), `round ${round}`).toBe(false)
      expect((await post(app.url, '/api/auth/sign-in/email', { email, password: 'the attacker\'s password' })).status, `round ${round}`).toBe(401)
      expect((await post(app.url, '/api/auth/sign-in/email', { email, password: 'the owner\'s reset password' })).status, `round ${round}`).toBe(200)
    }
  })

  it('a session re-authenticating at the moment the owner ends every session, on another device, keeps nothing', async () => {
    for (let round = 0; round < 3; round++) {
      const { email, password, cookie: owner } = await signUp(app.url)
      const stolen = sessionCookie(await post(app.url, '/api/auth/sign-in/email', { email, password }))!
      const [reauth, ended] = await Promise.all([
        post(app.url, '/api/sessions/reauthenticate', { password }, stolen),
        post(app.url, '/api/sessions/revoke-all', {}, owner),
      ])
      expect(ended.status, `round ${round}`).toBe(200)
      expect(await alive(sessionCookie(reauth)), `round ${round}`).toBe(false)
      expect(await alive(stolen), `round ${round}`).toBe(false)
    }
  })
})

describe('ADMIN_EMAILS', () => {
  const role = async (cookie: string) => (await (await request('/api/me', { base: app.url, cookie })).json()).data.role

  it('makes an administrator of its address once it is confirmed in a browser signed in to the account', async () => {
    const { cookie } = await signUp(app.url, BOSS)
    expect(await role(cookie)).toBe('user')
    expect((await request('/api/admin/users', { base: app.url, cookie })).status).toBe(403)
    const token = tokenOf(await mailbox.link(BOSS, CONFIRM))
    expect((await post(app.url, '/api/account/verify-email', { token }, cookie)).status).toBe(200)
    expect(await role(cookie)).toBe('admin')
    expect((await request('/api/admin/users', { base: app.url, cookie })).status).toBe(200)
  })

  it('whoever registered the address first gains nothing when its owner confirms it; the owner\'s reset makes the owner the administrator', async () => {
    const squatter = await signUp(app.url, OWNER)
    // The owner opens the mail in their own browser, which holds no session of that account.
    const token = tokenOf(await mailbox.link(OWNER, CONFIRM))
    expect((await post(app.url, '/api/account/verify-email', { token })).status).toBe(200)
    expect(await role(squatter.cookie)).toBe('user')
    const again = await post(app.url, '/api/auth/sign-in/email', { email: OWNER, password: squatter.password })
    expect(await role(sessionCookie(again)!)).toBe('user')
    // A reset by the emailed link proves the address and ends every session: now the owner holds it.
    expect((await post(app.url, '/api/auth/request-password-reset', { email: OWNER })).status).toBe(200)
    const reset = tokenOf(await mailbox.link(OWNER, RESET))
    expect((await post(app.url, '/api/auth/reset-password', { token: reset, newPassword: 'the owner\'s own password' })).status).toBe(200)
    expect((await request('/api/me', { base: app.url, cookie: squatter.cookie })).status).toBe(401)
    expect((await post(app.url, '/api/auth/sign-in/email', { email: OWNER, password: squatter.password })).status).toBe(401)
    const owner = await post(app.url, '/api/auth/sign-in/email', { email: OWNER, password: 'the owner\'s own password' })
    expect(await role(sessionCookie(owner)!)).toBe('admin')
  })
})

describe('EMAIL_VERIFICATION=required', () => {
  const signUpBody = (email: string) => ({ name: 'Someone', email, password: 'correct horse battery' })

  it('sign-up answers alike for a new and a taken address; the owner of the taken one is told by mail', async () => {
    const taken = `taken-${randomUUID()}@example.com`
    const fresh = `fresh-${randomUUID()}@example.com`
    expect((await post(strict.url, '/api/auth/sign-up/email', signUpBody(taken))).status).toBe(200)

    const first = await post(strict.url, '/api/auth/sign-up/email', signUpBody(fresh))
    const second = await post(strict.url, '/api/auth/sign-up/email', signUpBody(taken))
    expect(second.status).toBe(first.status)
    const [a, b] = [await first.json(), await second.json()]
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort())
    expect(Object.keys(b.user).sort()).toEqual(Object.keys(a.user).sort())
    // Value for value, but for what each sign-up is bound to differ in (id, times, the address itself).
    const alike = ({ user: { id: _id, createdAt: _c, updatedAt: _u, email: _e, ...user }, ...rest }: { user: Record<string, unknown> }) => ({ ...rest, user })
    expect(alike(b)).toEqual(alike(a))
    expect([sessionCookie(first), sessionCookie(second)]).toEqual([undefined, undefined])

    await expect.poll(() => mailbox.to(taken, 'Someone tried to create an account with your address').length, { timeout: 5000 }).toBe(1)
    expect(mailbox.to(fresh, CONFIRM)).toHaveLength(1)
  })

  it('sign-in waits for the confirmed address, then works', async () => {
    const email = `later-${randomUUID()}@example.com`
    await post(strict.url, '/api/auth/sign-up/email', signUpBody(email))
    const early = await post(strict.url, '/api/auth/sign-in/email', { email, password: 'correct horse battery' })
    expect(early.status).toBe(403)
    expect((await early.json()).message).toBe('Email not verified')
    expect(sessionCookie(early)).toBeUndefined()

    const token = tokenOf(await mailbox.link(email, CONFIRM))
    expect((await post(strict.url, '/api/account/verify-email', { token })).status).toBe(200)
    const late = await post(strict.url, '/api/auth/sign-in/email', { email, password: 'correct horse battery' })
    expect(late.status).toBe(200)
    expect((await request('/api/me', { cookie: sessionCookie(late), base: strict.url })).status).toBe(200)
  })
})
