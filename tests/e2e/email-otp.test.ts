import { createHash, randomUUID } from 'node:crypto'
import * as OTPAuth from 'otpauth'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { REDIS_URL } from '../support/db'
import { confirmAddress, database, request, sessionCookie, signUp } from '../support/http'
import { type ClockServer, startClockServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

let mailbox: TestMailbox
let app: ClockServer
beforeAll(async () => {
  mailbox = await startMailbox()
  app = await startClockServer({ SMTP_URL: mailbox.url })
})
afterEach(() => app.setClock(0))
afterAll(async () => {
  await app?.stop()
  await mailbox?.close()
})

const post = (path: string, body: object) => request(path, { base: app.url, method: 'POST', body: JSON.stringify(body) })
const askForCode = (email: string) => post('/api/auth/email-otp/send-verification-otp', { email, type: 'sign-in' })
const signInWithCode = (email: string, otp: string) => post('/api/auth/sign-in/email-otp', { email, otp })
const codeMails = (email: string) => mailbox.to(email).filter(m => m.subject?.endsWith('is your sign-in code'))

/** A new user whose address is confirmed: sign-in codes are mailed to confirmed addresses only. */
async function confirmedUser() {
  const user = await signUp(app.url)
  await confirmAddress(user.email, app.databaseUrl)
  return user
}

/** The newest code mailed to `email` (waits up to 5 s for mail number `count`). */
async function code(email: string, count = 1) {
  await expect.poll(() => codeMails(email).length, { timeout: 5000 }).toBe(count)
  return codeMails(email).at(-1)!.subject!.slice(0, 6)
}

/** What the server keeps for a code (in the database; with REDIS_URL in Redis too). */
async function storedCode(email: string): Promise<string | undefined> {
  const rows = await database(sql => sql.all<{ value: string }>('SELECT "value" FROM "verification" WHERE "identifier" = ?', [`sign-in-otp-${email}`]), app.databaseUrl)
  return rows[0]?.value
}

/** The 60 s cooldown's key in Redis (PostgreSQL + Redis); SQLite keeps it in the app's memory. */
const cooldownKey = (email: string) => `limit:code-request:${createHash('sha256').update(email).digest('base64url')}`
const withRedis = async <T>(use: (redis: Redis) => Promise<T>) => {
  const redis = new Redis(REDIS_URL)
  try {
    return await use(redis)
  }
  finally {
    redis.disconnect()
  }
}

/**
 * The cooldown lasts a minute where it is kept (the backend is the project's setting, not an
 * outcome): in memory, by the app's clock (still refused 59 s on); in Redis, by Redis's own clock,
 * which the test cannot move (its key's time to live).
 */
async function expectCooldownOfAMinute(email: string) {
  if (app.databaseUrl.startsWith('file:')) {
    app.setClock(59)
    expect((await askForCode(email)).status).toBe(429)
    return
  }
  const left = await withRedis(async redis => await redis.pttl(cooldownKey(email)) / 1000)
  expect(left).toBeGreaterThan(50)
  expect(left).toBeLessThanOrEqual(60)
}

/** A minute passes: on the app's clock, and (Redis expires by its own clock, which the test cannot move) the key made to expire. */
async function aMinutePasses(email: string) {
  app.setClock(61)
  if (app.databaseUrl.startsWith('file:')) return
  await withRedis(async (redis) => {
    await redis.pexpire(cooldownKey(email), 1)
    await expect.poll(() => redis.exists(cooldownKey(email))).toBe(0)
  })
}

const wrongCode = (right: string) => String((Number(right) + 1) % 1_000_000).padStart(6, '0')

describe('sign-in by emailed code', () => {
  it('a 6-digit code by mail signs in once; the server keeps only its hash', async () => {
    const { email } = await confirmedUser()
    expect((await askForCode(email)).status).toBe(200)
    const otp = await code(email)
    expect(otp).toMatch(/^\d{6}$/)
    expect(codeMails(email)[0]!.text).toContain('It works once, for 5 minutes.')
    const stored = await storedCode(email)
    expect(stored).toBeDefined()
    expect(stored).not.toContain(otp)
    expect(stored).toMatch(/^[\w-]{40,}:0$/)

    const signedIn = await signInWithCode(email, otp)
    expect(signedIn.status).toBe(200)
    expect((await request('/api/me', { base: app.url, cookie: sessionCookie(signedIn) })).status).toBe(200)
    const again = await signInWithCode(email, otp)
    expect(again.status).toBe(400)
    expect(sessionCookie(again)).toBeUndefined()
  })

  it('a code expires after 5 minutes, with a message that says so', async () => {
    const { email } = await confirmedUser()
    await askForCode(email)
    const otp = await code(email)
    app.setClock(301)
    const late = await signInWithCode(email, otp)
    expect(late.status).toBe(400)
    expect(await late.json()).toMatchObject({ code: 'OTP_EXPIRED', message: 'This code has expired: codes work for 5 minutes. Ask for a new one.' })
  })

  it('3 wrong tries use a code up: even the right code is refused after them, and the refusal says to ask for a new one', async () => {
    const { email } = await confirmedUser()
    await askForCode(email)
    const otp = await code(email)
    for (let i = 0; i < 3; i++) {
      const wrong = await signInWithCode(email, wrongCode(otp))
      expect(wrong.status).toBe(400)
      expect((await wrong.json()).message).toBe('That code is not right. Check the newest email; each code allows 3 tries.')
    }
    const right = await signInWithCode(email, otp)
    expect(right.status).toBe(403)
    expect(await right.json()).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', message: 'Too many wrong tries: this code no longer works. Ask for a new one.' })
    expect(sessionCookie(right)).toBeUndefined()
  })

  it('tries sent all at once are checked one at a time: no more than 3 wrong ones are checked against a code', async () => {
    const { email } = await confirmedUser()
    expect((await askForCode(email)).status).toBe(200)
    const otp = await code(email)
    const guesses = [...Array.from({ length: 9 }, (_, i) => String((Number(otp) + 1 + i) % 1_000_000).padStart(6, '0')), otp]
    // Each answer as it arrives: a try checked while another runs would finish out of turn.
    const answered: string[] = []
    await Promise.all(guesses.map(async (guess) => {
      const response = await signInWithCode(email, guess)
      answered.push(response.status === 200 ? 'signed in' : `${response.status} ${(await response.json()).code}`)
    }))
    for (const answer of answered) expect(['signed in', '400 INVALID_OTP', '403 TOO_MANY_ATTEMPTS', '429 RATE_LIMITED']).toContain(answer)
    // One at a time, the answers come in the order the tries were checked: at most 3 wrong ones
    // before the code is used up (403) or the right one signs in (after at most 2). After that
    // the code is gone, and every try is wrong.
    const end = answered.findIndex(answer => answer === 'signed in' || answer.startsWith('403'))
    const wrongBefore = answered.slice(0, end === -1 ? undefined : end).filter(answer => answer === '400 INVALID_OTP').length
    expect(wrongBefore, answered.join(', ')).toBeLessThanOrEqual(answered[end] === 'signed in' ? 2 : 3)
  })

  it('a new code can be asked for only after 60 s; the refusal says how long to wait, and the new code replaces the old', async () => {
    const { email } = await confirmedUser()
    expect((await askForCode(email)).status).toBe(200)
    const first = await code(email)
    const early = await askForCode(email)
    expect(early.status).toBe(429)
    const wait = Number(early.headers.get('retry-after'))
    expect(wait).toBeGreaterThan(50)
    expect(wait).toBeLessThanOrEqual(60)
    expect(await early.json()).toMatchObject({ code: 'RATE_LIMITED', message: `A code was sent less than a minute ago. You can ask for a new one in ${wait} seconds.` })

    await expectCooldownOfAMinute(email)
    await aMinutePasses(email)
    expect((await askForCode(email)).status).toBe(200)
    const second = await code(email, 2)
    // A new code (two alike: one chance in a million), and the first one no longer works.
    expect(second).not.toBe(first)
    expect((await signInWithCode(email, first)).status).toBe(400)
    expect((await signInWithCode(email, second)).status).toBe(200)
  })

  it('an unknown address gets the same answer and no mail, and no account is made', async () => {
    const unknown = `nobody-${randomUUID()}@example.com`
    const answer = await askForCode(unknown)
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ success: true })
    // A code asked for a known address afterwards arrives; by then a mail to the unknown one would have too.
    const known = await confirmedUser()
    expect((await askForCode(known.email)).status).toBe(200)
    await code(known.email)
    expect(codeMails(unknown)).toHaveLength(0)
    expect((await signInWithCode(unknown, '123456')).status).toBe(400)
    expect(await database(sql => sql.all('SELECT "id" FROM "user" WHERE "email" = ?', [unknown]), app.databaseUrl)).toEqual([])
  })

  it('an address never confirmed gets no code but a mail saying codes work once it is; its password and sessions stay', async () => {
    const { email, cookie } = await signUp(app.url)
    const answer = await askForCode(email)
    expect(answer.status).toBe(200)
    expect(await answer.json()).toEqual({ success: true })
    await expect.poll(() => mailbox.to(email, 'Confirm your address to sign in with a code').length, { timeout: 5000 }).toBe(1)
    expect(codeMails(email)).toHaveLength(0)
    // A code was stored all the same (nobody knows it): wrong guesses are answered as for anyone.
    const guesses = []
    for (let i = 0; i < 4; i++) guesses.push((await signInWithCode(email, '000000')).status)
    expect(guesses).toEqual([400, 400, 400, 403])
    expect((await request('/api/me', { base: app.url, cookie })).status).toBe(200)
    expect((await post('/api/auth/sign-in/email', { email, password: 'correct horse battery' })).status).toBe(200)
  })

  it('a suspended account gets no code', async () => {
    const { email } = await confirmedUser()
    await database(sql => sql.run('UPDATE "user" SET "banned" = ? WHERE "email" = ?', [true, email]), app.databaseUrl)
    expect((await askForCode(email)).status).toBe(200)
    // A later code to another address arrives; by then one to this address would have too.
    const other = await confirmedUser()
    expect((await askForCode(other.email)).status).toBe(200)
    await code(other.email)
    expect(mailbox.to(email).filter(m => m.subject !== 'Confirm your email address')).toEqual([])
  })
})

describe('an emailed code is a first factor like the password', () => {
  it('a user with two-factor on who signs in by code is asked for the app\'s code, and has no session until then', async () => {
    const user = await confirmedUser()
    const auth = (path: string, body: object, cookie?: string) => request(path, { base: app.url, method: 'POST', cookie, body: JSON.stringify(body) })
    const enable = await auth('/api/auth/two-factor/enable', { password: user.password }, user.cookie)
    const totp = OTPAuth.URI.parse((await enable.json()).totpURI) as OTPAuth.TOTP
    expect((await auth('/api/auth/two-factor/verify-totp', { code: totp.generate() }, sessionCookie(enable) ?? user.cookie)).status).toBe(200)

    await askForCode(user.email)
    const first = await signInWithCode(user.email, await code(user.email))
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ twoFactorRedirect: true })
    expect(sessionCookie(first)?.match(/=.+/)).toBeFalsy()
    const pending = first.headers.getSetCookie().map(c => c.split(';')[0]!).filter(c => !c.endsWith('=')).join('; ')
    expect(pending).toContain('two_factor=')
    const second = await auth('/api/auth/two-factor/verify-totp', { code: totp.generate() }, pending)
    expect(second.status).toBe(200)
    expect((await request('/api/me', { base: app.url, cookie: sessionCookie(second) })).status).toBe(200)
  })

  it('the code never reaches the server\'s log', async () => {
    const { email } = await confirmedUser()
    await askForCode(email)
    const otp = await code(email)
    expect(app.logs()).not.toContain(otp)
    expect(app.logs()).not.toContain('is your sign-in code')
  })
})
