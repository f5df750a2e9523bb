import { createPage, setup, url } from '@nuxt/test-utils/e2e'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { asNewClient, dashboardOfNewUser, deleteSessions, isLogin, newEmail, password, pauseClock, signedOutAtNextPoll, untilServerRefuses, watchConsole } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'
import { POLL_INTERVAL } from '../support/config'
import { COOKIE } from '../support/http'
import { startServer, type TestServer } from '../support/server'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

describe.skipIf(!launch)('in Chromium', () => {
  it('registers, signs out and signs back in through the pages, landing where the user came from', async () => {
    const email = newEmail()
    const page = await createPage('/register', asNewClient())
    const errors = watchConsole(page)

    await page.getByLabel('Name').fill('Browser User')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Create account' }).click()
    // A new account is held on /onboarding, on client navigation too, until it is set up.
    await page.waitForURL(u => u.pathname === '/onboarding')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Devices' }).click()
    await page.waitForURL(u => u.pathname === '/onboarding' && u.searchParams.get('redirect') === '/account/sessions')
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone))
    await page.getByLabel('Display name').fill('Browser B.')
    await page.getByLabel('Time zone').fill('Atlantis/Capital')
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect.poll(() => page.getByLabel('Time zone').getAttribute('aria-invalid')).toBe('true')
    await page.getByLabel('Time zone').fill('Asia/Tokyo')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.waitForURL(u => u.pathname === '/account/sessions')
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click()
    await page.waitForURL(u => u.pathname === '/dashboard')
    await expect.poll(() => page.getByTestId('user-email').textContent()).toBe(email)

    const cookie = (await page.context().cookies()).find(c => c.name === COOKIE)
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' })
    expect(await page.evaluate(() => document.cookie)).not.toContain(COOKIE)

    await page.getByTestId('sign-out').click()
    await page.waitForURL(u => u.pathname === '/login')

    await page.goto(url('/dashboard'), { waitUntil: 'hydration' })
    expect(isLogin('/dashboard')(new URL(page.url()))).toBe(true)

    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill('wrong password')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByTestId('form-error').textContent()).toMatch(/invalid email or password/i)

    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(u => u.pathname === '/dashboard')
    await expect.poll(() => page.getByTestId('user-email').textContent()).toBe(email)
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows the signed-in page straight from the server, without a hydration mismatch', async () => {
    const { page, email, errors, html } = await dashboardOfNewUser(inject('baseURL'))
    expect(html).toContain(email)
    expect(errors).toEqual([])
    await page.close()
  })

  it(`the poller sends the browser to /login at its next check (every ${POLL_INTERVAL} s) once the server no longer has the session`, async () => {
    const { page, email } = await dashboardOfNewUser(inject('baseURL'), { clock: true })
    await pauseClock(page)
    const cookie = (await page.context().cookies()).find(c => c.name === COOKIE)!
    await deleteSessions(inject('databaseUrl'), email)
    await untilServerRefuses(`${cookie.name}=${cookie.value}`)
    await signedOutAtNextPoll(page, '/dashboard')
    await expect.poll(() => page.getByRole('button', { name: 'Sign in' }).isVisible()).toBe(true)
    await page.close()
  })

  describe('with background polling effectively off', () => {
    let server: TestServer
    beforeAll(async () => {
      // Rows are deleted behind the server's back on SQLite, which a cached session outlives by up to
      // SESSION_CACHE_TTL; these tests are about what the browser does with the 401, so no cache.
      server = await startServer({ SESSION_POLL_INTERVAL: '3600', SESSION_CACHE_TTL: '0' })
    })
    afterAll(() => server?.stop())

    it('any call to our API that gets a 401 signs the browser out and goes to /login', async () => {
      const { page, email } = await dashboardOfNewUser(server.url)
      await deleteSessions(server.databaseUrl, email)
      const status = await page.evaluate(() => window.useNuxtApp!().$api('/api/me').then(() => 200, (e: { status?: number }) => e.status))
      expect(status).toBe(401)
      await page.waitForURL(isLogin('/dashboard'), { timeout: 5000 })
      await page.close()
    })

    it('navigation re-checks the session: a revoked session shows as signed out on the next page', async () => {
      const { page, email } = await dashboardOfNewUser(server.url)
      expect(await page.getByTestId('nav-user').textContent()).toBe(email)
      await deleteSessions(server.databaseUrl, email)
      const checked = page.waitForResponse(r => r.url().endsWith('/api/session'))
      await page.getByRole('link', { name: 'SessionKit' }).click()
      await checked
      await page.waitForURL(u => u.pathname === '/')
      const nav = page.getByRole('navigation', { name: 'Main' })
      await expect.poll(() => nav.getByRole('link', { name: 'Sign in' }).isVisible()).toBe(true)
      expect(await page.getByTestId('nav-user').count()).toBe(0)
      await page.close()
    })
  })
})
