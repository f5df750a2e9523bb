import { createPage, setup } from '@nuxt/test-utils/e2e'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { asNewClient, dashboardOfNewUser, watchConsole } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'
import { confirmAddress, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

describe.skipIf(!launch)('emailed links in Chromium', () => {
  let mailbox: TestMailbox
  let server: TestServer
  beforeAll(async () => {
    mailbox = await startMailbox()
    server = await startServer({ SMTP_URL: mailbox.url })
  })
  afterAll(async () => {
    await server?.stop()
    await mailbox?.close()
  })

  it('forgot password: the emailed link opens a page that sets a new password once; then sign-in works with it', async () => {
    const { email } = await signUp(server.url)
    const page = await createPage(undefined, asNewClient())
    const errors = watchConsole(page)
    await page.goto(`${server.url}/login`, { waitUntil: 'hydration' })
    await page.getByRole('link', { name: 'Forgot your password?' }).click()
    await page.waitForURL(u => u.pathname === '/forgot-password')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Email me a link' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain(`If ${email} has an account, a link to reset its password is on its way.`)

    const link = await mailbox.link(email, 'Reset your password')
    await page.goto(link.href, { waitUntil: 'hydration' })
    await page.getByLabel('New password', { exact: true }).fill('a brand new passphrase')
    await page.getByLabel('New password again').fill('a different passphrase')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await expect.poll(() => page.getByText('The two passwords differ').isVisible()).toBe(true)
    await page.getByLabel('New password again').fill('a brand new passphrase')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Your password is changed and every device is signed out.')

    await page.goto(`${server.url}/login`, { waitUntil: 'hydration' })
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('a brand new passphrase')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(u => u.pathname === '/dashboard')

    // The same link a second time: refused with a way forward.
    await page.goto(link.href, { waitUntil: 'hydration' })
    await page.getByLabel('New password', { exact: true }).fill('yet another passphrase')
    await page.getByLabel('New password again').fill('yet another passphrase')
    await page.getByRole('button', { name: 'Set new password' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('This link has expired or was already used. Ask for a new one.')
    expect(errors).toEqual([])
    await page.close()
  })

  it('an unconfirmed user is reminded on the dashboard, asks for the link again, and confirms with one click', async () => {
    const { page, email, errors } = await dashboardOfNewUser(server.url)
    const notice = page.getByTestId('verify-email-notice')
    expect(await notice.textContent()).toContain(`open the link we sent to ${email}`)
    await notice.getByRole('button', { name: 'Send the link again' }).click()
    await expect.poll(() => notice.getByRole('status').textContent()).toBe(`A new link is on its way to ${email}.`)
    await expect.poll(() => mailbox.to(email, 'Confirm your email address').length, { timeout: 5000 }).toBe(2)

    await page.goto((await mailbox.link(email, 'Confirm your email address')).href, { waitUntil: 'hydration' })
    await page.getByRole('button', { name: 'Confirm my address' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Your email address is confirmed.')
    await page.getByRole('link', { name: 'Go to your dashboard' }).click()
    await page.waitForURL(u => u.pathname === '/dashboard')
    expect(await page.getByTestId('verify-email-notice').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('sign-in by emailed code: the page sends a code, counts down to the next one, explains a wrong code, and signs in with the right one', async () => {
    const { email } = await signUp(server.url)
    await confirmAddress(email, server.databaseUrl)
    const page = await createPage(undefined, asNewClient())
    const errors = watchConsole(page)
    await page.goto(`${server.url}/login?redirect=%2Faccount%2Fsessions`, { waitUntil: 'hydration' })
    await page.getByRole('link', { name: 'Email me a sign-in code' }).click()
    await page.waitForURL(u => u.pathname === '/login-code')
    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Email me a code' }).click()
    await expect.poll(() => page.getByTestId('code-notice').textContent()).toBe(`If ${email} has an account, a code is on its way.`)
    const again = page.getByRole('button', { name: /^Send a new code/ })
    expect(await again.isDisabled()).toBe(true)
    expect(await again.textContent()).toMatch(/Send a new code \(in (5\d|60) s\)/)

    await expect.poll(() => mailbox.to(email).filter(m => m.subject?.endsWith('is your sign-in code')).length, { timeout: 5000 }).toBe(1)
    const otp = mailbox.to(email).find(m => m.subject?.endsWith('is your sign-in code'))!.subject!.slice(0, 6)
    await page.getByLabel('Code').fill(otp === '000000' ? '111111' : '000000')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That code is not right. Check the newest email; each code allows 3 tries.')
    await page.getByLabel('Code').fill(otp)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(u => u.pathname === '/account/sessions')
    expect(errors).toEqual([])
    await page.close()
  })
})
