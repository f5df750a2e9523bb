import { createPage, setup, url } from '@nuxt/test-utils/e2e'
import { describe, expect, inject, it } from 'vitest'
import { chromiumLaunchOptions } from '../support/chromium'
import { ONBOARDING, request, sessionCookie, sessionsOf, setSessionTimes } from '../support/http'
import { asNewClient } from '../support/browser'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'
const password = 'correct horse battery'
/** Where the phone signs in from (as a trusted proxy says). */
const PHONE_IP = '198.51.100.23'

/** A page signed in as a new user (through its own context) plus a second session "on a phone". */
async function userWithPhone() {
  const page = await createPage(undefined, asNewClient())
  const base = inject('baseURL')
  const email = `devices-${Date.now()}@example.com`
  const signUp = await page.request.post(`${base}/api/auth/sign-up/email`, { data: { name: 'Dee', email, password }, headers: { origin: base } })
  expect(signUp.status()).toBe(200)
  expect((await page.request.post(`${base}/api/account/onboarding`, { data: ONBOARDING, headers: { origin: base } })).status()).toBe(200)
  const phone = sessionCookie(await request('/api/auth/sign-in/email', {
    method: 'POST', ip: PHONE_IP, headers: { 'user-agent': IPHONE }, body: JSON.stringify({ email, password }),
  }))!
  return { page, base, email, phone }
}

describe.skipIf(!launch)('/account/sessions in Chromium', () => {
  it('asks for the password before ending other devices when the sign-in is not recent', async () => {
    const { page, email, phone } = await userWithPhone()
    const browserSession = (await sessionsOf(email)).find(s => !s.userAgent?.includes('iPhone'))!
    await setSessionTimes(browserSession.id, { createdAt: new Date(Date.now() - 2 * 86400_000) })
    await page.goto(url('/account/sessions'), { waitUntil: 'hydration' })

    await page.getByRole('button', { name: 'Sign out of all other devices' }).click()
    const dialog = page.getByRole('dialog', { name: 'Confirm it\'s you' })
    await dialog.getByLabel('Password').fill('not my password')
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => dialog.getByRole('alert').textContent()).toBe('Incorrect password')
    expect((await request('/api/me', { cookie: phone })).status).toBe(200)

    await dialog.getByLabel('Password').fill(password)
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Signed out of all other devices.')
    expect(await page.getByRole('dialog').count()).toBe(0)
    expect((await request('/api/me', { cookie: phone })).status).toBe(401)
    expect(await page.getByTestId('session-row').count()).toBe(1)
    await page.close()
  })

  it('"Sign in again" (for an account without a password) signs out, then brings a fresh sign-in back to the page', async () => {
    const { page, email } = await userWithPhone()
    const browserSession = (await sessionsOf(email)).find(s => !s.userAgent?.includes('iPhone'))!
    await setSessionTimes(browserSession.id, { createdAt: new Date(Date.now() - 2 * 86400_000) })
    await page.goto(url('/account/sessions'), { waitUntil: 'hydration' })
    await page.getByRole('button', { name: 'Sign out of all other devices' }).click()
    await page.getByRole('dialog', { name: 'Confirm it\'s you' }).getByRole('button', { name: 'Sign in again' }).click()
    await page.waitForURL(u => u.pathname === '/login' && u.searchParams.get('redirect') === '/account/sessions')
    expect((await sessionsOf(email)).map(s => s.id)).not.toContain(browserSession.id)

    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(u => u.pathname === '/account/sessions')
    await page.getByRole('button', { name: 'Sign out of all other devices' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Signed out of all other devices.')
    await page.close()
  })

  it('lists this browser and a phone, ends the phone\'s session, then signs out everywhere', async () => {
    const { page, base, phone } = await userWithPhone()
    await page.goto(url('/account/sessions'), { waitUntil: 'hydration' })
    const rows = page.getByTestId('session-row')
    expect(await rows.count()).toBe(2)
    const thisDevice = rows.filter({ hasText: 'This device' })
    expect(await thisDevice.textContent()).toContain('Chrome')
    const phoneRow = rows.filter({ hasText: 'Safari 17 on iOS 17.1' })
    expect(await phoneRow.textContent()).toContain(PHONE_IP)

    await phoneRow.getByRole('button', { name: 'Sign out' }).click()
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Signed out of Safari 17 on iOS 17.1.')
    expect(await rows.count()).toBe(1)
    expect((await request('/api/me', { cookie: phone })).status).toBe(401)

    await page.getByRole('button', { name: 'Sign out everywhere' }).click()
    await page.waitForURL(u => u.pathname === '/login')
    expect((await page.request.get(`${base}/api/me`)).status()).toBe(401)
    await page.close()
  })
})
