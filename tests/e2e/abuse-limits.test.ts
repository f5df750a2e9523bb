import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { database, request } from '../support/http'
import { startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

// Limits on, behind a trusted proxy: each request may come from its own client address, so the
// per-account limits show apart from the per-IP ones.
// With mail: reset and code requests exist only where mail can go out.
let app: TestServer
let mailbox: TestMailbox
beforeAll(async () => {
  mailbox = await startMailbox()
  app = await startServer({ RATE_LIMIT: 'on', TRUST_PROXY: 'true', SMTP_URL: mailbox.url })
})
afterAll(async () => {
  await app?.stop()
  await mailbox?.close()
})

let lastIp = 0
const freshIp = () => `10.1.${Math.floor(++lastIp / 250)}.${lastIp % 250 + 1}`
const post = (path: string, body: object, ip = freshIp()) => request(path, {
  base: app.url, method: 'POST', headers: { 'x-forwarded-for': ip }, body: JSON.stringify(body),
})
/** A new account, signed up from an address of its own. */
async function signUp() {
  const account = { email: `limits-${randomUUID()}@example.com`, password: 'correct horse battery' }
  expect((await post('/api/auth/sign-up/email', { name: 'Limits', ...account })).status).toBe(200)
  return account
}
async function expectLimited(response: Response, maxWait: number) {
  expect(response.status).toBe(429)
  const wait = Number(response.headers.get('retry-after'))
  expect(wait).toBeGreaterThan(0)
  expect(wait).toBeLessThanOrEqual(maxWait)
  const body = await response.json()
  expect(body).toMatchObject({ success: false, code: 'RATE_LIMITED' })
  expect(body.message).toMatch(/^Too many attempts\. Try again in \d+ (seconds?|minutes)\.( [A-Z].+\.)?$/)
  return { wait, message: body.message as string }
}

describe('per-account limits', () => {
  it('after 5 wrong passwords an account refuses sign-in for 15 minutes, from any address, even with the right password', async () => {
    const { email, password } = await signUp()
    for (let i = 0; i < 5; i++) expect((await post('/api/auth/sign-in/email', { email, password: 'wrong password' })).status).toBe(401)
    const limited = await expectLimited(await post('/api/auth/sign-in/email', { email, password }), 900)
    expect(limited.wait).toBeGreaterThan(800)
    // It says which ways in still work, so a stranger's guessing locks nobody out for good.
    expect(limited.message).toBe('Too many attempts. Try again in 15 minutes. You can still sign in with a code by email, or reset your password.')
    // Someone else is not affected.
    const other = await signUp()
    expect((await post('/api/auth/sign-in/email', { email: other.email, password: other.password })).status).toBe(200)
  })

  it('a successful sign-in clears earlier failures', async () => {
    const { email, password } = await signUp()
    for (let i = 0; i < 4; i++) expect((await post('/api/auth/sign-in/email', { email, password: 'wrong password' })).status).toBe(401)
    expect((await post('/api/auth/sign-in/email', { email, password })).status).toBe(200)
    for (let i = 0; i < 4; i++) expect((await post('/api/auth/sign-in/email', { email, password: 'wrong password' })).status).toBe(401)
    expect((await post('/api/auth/sign-in/email', { email, password })).status).toBe(200)
  })

  it('password reset requests: 3 an hour per account, whatever the address they come from', async () => {
    const { email } = await signUp()
    for (let i = 0; i < 3; i++) expect((await post('/api/auth/request-password-reset', { email })).status).toBe(200)
    await expectLimited(await post('/api/auth/request-password-reset', { email: email.toUpperCase() }), 3600)
    expect((await post('/api/auth/request-password-reset', { email: `other-${randomUUID()}@example.com` })).status).toBe(200)
  })

  it('sign-up: 3 an hour per address, counted for taken and new addresses alike', async () => {
    const email = `signup-${randomUUID()}@example.com`
    const body = { name: 'Repeat', email, password: 'correct horse battery' }
    // Another password: the address is taken (the same one would be a retry, answered as a sign-in).
    const taken = { ...body, password: 'another passphrase' }
    expect((await post('/api/auth/sign-up/email', body)).status).toBe(200)
    expect((await post('/api/auth/sign-up/email', taken)).status).toBe(422)
    expect((await post('/api/auth/sign-up/email', taken)).status).toBe(422)
    await expectLimited(await post('/api/auth/sign-up/email', body), 3600)
  })
})

describe('per-IP limits', () => {
  it('one address gets 3 sign-in attempts per 10 s across accounts, then the same JSON 429', async () => {
    const ip = freshIp()
    const attempt = () => post('/api/auth/sign-in/email', { email: `nobody-${randomUUID()}@example.com`, password: 'wrong password' }, ip)
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401)
    await expectLimited(await attempt(), 10)
    // Another address is not affected.
    expect((await post('/api/auth/sign-in/email', { email: `nobody-${randomUUID()}@example.com`, password: 'x' })).status).toBe(401)
  })

  it('one address gets 3 sign-in code requests per minute, whatever accounts they name', async () => {
    const ip = freshIp()
    const ask = () => post('/api/auth/email-otp/send-verification-otp', { email: `n-${randomUUID()}@example.com`, type: 'sign-in' }, ip)
    for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(200)
    await expectLimited(await ask(), 60)
  })

  it('one address gets 3 reset requests per minute', async () => {
    const ip = freshIp()
    for (let i = 0; i < 3; i++) expect((await post('/api/auth/request-password-reset', { email: `n-${randomUUID()}@example.com` }, ip)).status).toBe(200)
    await expectLimited(await post('/api/auth/request-password-reset', { email: `n-${randomUUID()}@example.com` }, ip), 60)
  })
})

describe('disposable email addresses', () => {
  it('sign-up from a throwaway-mail domain (or a subdomain of one) is refused with a clear 400 and creates nothing', async () => {
    for (const email of [`x-${randomUUID()}@mailinator.com`, `x-${randomUUID()}@mx.yopmail.com`]) {
      const response = await post('/api/auth/sign-up/email', { name: 'Throwaway', email, password: 'correct horse battery' })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({
        code: 'DISPOSABLE_EMAIL',
        message: 'Addresses from disposable email services cannot be used. Please sign up with an address you will keep.',
      })
      expect(await database(sql => sql.all('SELECT "id" FROM "user" WHERE "email" = ?', [email]), app.databaseUrl)).toEqual([])
    }
    expect((await post('/api/auth/sign-up/email', { name: 'Keeper', email: `k-${randomUUID()}@gmail.com`, password: 'correct horse battery' })).status).toBe(200)
  })
})
