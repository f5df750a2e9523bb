import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { request, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

const MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
const MAC_NEWER = MAC.replace('Chrome/120', 'Chrome/121')
const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'

let mailbox: TestMailbox
let app: TestServer

beforeAll(async () => {
  mailbox = await startMailbox()
  app = await startServer({ SMTP_URL: mailbox.url, MAIL_FROM: 'SessionKit <security@example.com>' })
})
afterAll(async () => {
  await app?.stop()
  await mailbox?.close()
})

/** The one home network these users sign in from: each request another host in it (per-address limits stay apart), one network to the notice. */
let host = 0
const home = () => `198.51.100.${++host}`
const signIn = (email: string, password: string, userAgent: string, ip = home()) => request('/api/auth/sign-in/email', {
  base: app.url, method: 'POST', ip, headers: { 'user-agent': userAgent }, body: JSON.stringify({ email, password }),
})
const mailTo = (email: string) => mailbox.to(email).filter(m => !m.subject?.startsWith('Confirm your email'))

describe('new-device notice by email', () => {
  it('is sent when an account signs in from a device it has never used, and names the device', async () => {
    const { email, password } = await signUp(app.url, undefined, { ip: home() })
    expect((await signIn(email, password, IPHONE, '198.51.100.200')).status).toBe(200)
    await expect.poll(() => mailTo(email).length, { timeout: 5000 }).toBe(1)
    const [mail] = mailTo(email)
    expect(mail!.from?.value[0]).toMatchObject({ name: 'SessionKit', address: 'security@example.com' })
    expect(mail!.subject).toBe('New sign-in from Safari 17 on iOS 17.1')
    expect(mail!.text).toContain('Safari 17 on iOS 17.1, IP address 198.51.100.200')
    expect(mail!.text).toContain(`${app.url}/account/sessions`)
  })

  it('is not sent for the device an account signed up with, nor for a browser update on it', async () => {
    const { email, password } = await signUp(app.url, undefined, { ip: home() })
    const { email: other, password: otherPassword } = await signUp(app.url, undefined, { ip: home() })
    await request('/api/auth/sign-in/email', { base: app.url, method: 'POST', ip: home(), body: JSON.stringify({ email, password }) })
    // A first sign-in elsewhere, then the same Mac with a newer Chrome: only the first is new.
    expect((await signIn(other, otherPassword, MAC)).status).toBe(200)
    expect((await signIn(other, otherPassword, MAC_NEWER)).status).toBe(200)
    await expect.poll(() => mailTo(other).length, { timeout: 5000 }).toBe(1)
    expect(mailTo(email)).toHaveLength(0)
  })

  it('the development outbox does not exist in production', async () => {
    expect((await request('/dev/outbox', { base: app.url })).status).toBe(404)
  })
})
