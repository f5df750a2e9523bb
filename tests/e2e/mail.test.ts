import { simpleParser, type ParsedMail } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, signUp } from '../support/http'
import { freePort, startServer, type TestServer } from '../support/server'

const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
const MAC_NEWER = MAC.replace('Chrome/120', 'Chrome/121')
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'

const received: ParsedMail[] = []
let smtp: SMTPServer
let app: TestServer

beforeAll(async () => {
  // A real SMTP server, in this process: the app's mail crosses a real connection.
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        received.push(mail)
        callback()
      }, callback)
    },
  })
  const port = await freePort()
  await new Promise<void>(resolve => smtp.listen(port, '127.0.0.1', () => resolve()))
  app = await startServer({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'SessionKit <security@example.com>' })
})
afterAll(async () => {
  await app?.stop()
  await new Promise<void>(resolve => smtp ? smtp.close(() => resolve()) : resolve())
})

const signIn = (email: string, password: string, userAgent: string) => request('/api/auth/sign-in/email', {
  base: app.url, method: 'POST', headers: { 'user-agent': userAgent }, body: JSON.stringify({ email, password }),
})
const mailTo = (email: string) => received.filter(m => m.to && !Array.isArray(m.to) && m.to.text === email)

describe('new-device notice by email', () => {
  it('is sent when an account signs in from a device it has never used, and names the device', async () => {
    const { email, password } = await signUp(app.url)
    expect((await signIn(email, password, IPHONE)).status).toBe(200)
    await expect.poll(() => mailTo(email).length, { timeout: 5000 }).toBe(1)
    const [mail] = mailTo(email)
    expect(mail!.from?.value[0]).toMatchObject({ name: 'SessionKit', address: 'security@example.com' })
    expect(mail!.subject).toBe('New sign-in from Safari 17 on iOS 17.1')
    expect(mail!.text).toContain('Safari 17 on iOS 17.1, IP address 127.0.0.1')
    expect(mail!.text).toContain(`${app.url}/account/sessions`)
  })

  it('is not sent for the device an account signed up with, nor for a browser update on it', async () => {
    const { email, password } = await signUp(app.url)
    const { email: other, password: otherPassword } = await signUp(app.url)
    await request('/api/auth/sign-in/email', { base: app.url, method: 'POST', body: JSON.stringify({ email, password }) })
    // A first sign-in elsewhere, then the same Mac with a newer Chrome: only the first is new.
    expect((await signIn(other, otherPassword, MAC)).status).toBe(200)
    expect((await signIn(other, otherPassword, MAC_NEWER)).status).toBe(200)
    await expect.poll(() => mailTo(other).length, { timeout: 5000 }).toBe(1)
    expect(mailTo(email)).toHaveLength(0)
  })

  it('a password reset by emailed link signs the account out everywhere', async () => {
    const { email, password, cookie } = await signUp(app.url)
    const asked = await request('/api/auth/request-password-reset', { base: app.url, method: 'POST', body: JSON.stringify({ email, redirectTo: '/login' }) })
    expect(asked.status).toBe(200)
    await expect.poll(() => mailTo(email).filter(m => m.subject === 'Reset your password').length, { timeout: 5000 }).toBe(1)
    const link = mailTo(email).find(m => m.subject === 'Reset your password')!.text!.match(/https?:\/\/\S+/)![0]
    const token = new URL(link).pathname.split('/').pop()!

    const reset = await request('/api/auth/reset-password', { base: app.url, method: 'POST', body: JSON.stringify({ token, newPassword: 'reset and renewed' }) })
    expect(reset.status).toBe(200)
    expect((await request('/api/me', { base: app.url, cookie })).status).toBe(401)
    expect((await signIn(email, password, MAC)).status).toBe(401)
    expect((await signIn(email, 'reset and renewed', MAC)).status).toBe(200)
    const again = await request('/api/auth/reset-password', { base: app.url, method: 'POST', body: JSON.stringify({ token, newPassword: 'once more please' }) })
    expect(again.status).toBe(400) // single use
  })

  it('the development outbox does not exist in production', async () => {
    expect((await request('/dev/outbox', { base: app.url })).status).toBe(404)
  })
})
