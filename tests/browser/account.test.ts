import { createPage, setup, url } from '@nuxt/test-utils/e2e'
import { describe, expect, inject, it } from 'vitest'
import { chromiumLaunchOptions } from '../support/chromium'
import { ONBOARDING, request, sessionCookie, sessionsOf } from '../support/http'
import { asNewClient } from '../support/browser'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

const password = 'correct horse battery'

/** A page signed in as a new user, plus the cookie of a second device of that user. */
async function signedInWithSecondDevice() {
  const page = await createPage(undefined, asNewClient())
  const base = inject('baseURL')
  const email = `account-${Date.now()}@example.com`
  expect((await page.request.post(`${base}/api/auth/sign-up/email`, { data: { name: 'Acc', email, password }, headers: { origin: base } })).status()).toBe(200)
  expect((await page.request.post(`${base}/api/account/onboarding`, { data: ONBOARDING, headers: { origin: base } })).status()).toBe(200)
  const other = sessionCookie(await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) }))!
  await page.goto(url('/account'), { waitUntil: 'hydration' })
  return { page, email, other }
}

describe.skipIf(!launch)('/account in Chromium', () => {
  it('changes the password, signing out the other device while this one stays signed in', async () => {
    const { page, other } = await signedInWithSecondDevice()
    const form = page.getByTestId('change-password-form')
    await form.getByLabel('Current password').fill(password)
    await form.getByLabel('New password').fill('an even better passphrase')
    expect(await form.getByLabel('Sign out of all other devices').isChecked()).toBe(true)
    await form.getByRole('button', { name: 'Change password' }).click()
    await expect.poll(() => form.getByRole('status').textContent()).toBe('Password changed. Your other devices were signed out.')
    await page.goto(url('/account'), { waitUntil: 'hydration' })
    const events = page.getByTestId('security-events')
    expect(await events.getByRole('listitem').first().textContent()).toContain('Password changed')
    expect(await events.textContent()).toContain('Account created')
    expect((await request('/api/me', { cookie: other })).status).toBe(401)
    expect((await page.request.get(url('/api/me'))).status()).toBe(200)
    await page.close()
  })

  it('deletes the account after the password is re-entered, and every device is signed out', async () => {
    const { page, email, other } = await signedInWithSecondDevice()
    const form = page.getByTestId('delete-account-form')
    await form.getByLabel('Password').fill('wrong password')
    await form.getByRole('button', { name: 'Delete my account' }).click()
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/invalid password/i)

    await form.getByLabel('Password').fill(password)
    await form.getByRole('button', { name: 'Delete my account' }).click()
    await page.waitForURL(u => u.pathname === '/' && u.searchParams.get('deleted') === '1')
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Your account has been deleted')
    expect((await request('/api/me', { cookie: other })).status).toBe(401)
    expect(await sessionsOf(email)).toHaveLength(0)
    expect((await page.context().cookies()).find(c => c.name.includes('session_token'))).toBeUndefined()
    await page.close()
  })
})
