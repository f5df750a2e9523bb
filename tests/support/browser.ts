import { randomUUID } from 'node:crypto'
import type { BrowserContextOptions, Page } from 'playwright-core'
import { createPage } from '@nuxt/test-utils/e2e'
import { expect } from 'vitest'
import { POLL_INTERVAL, SESSION_CACHE_TTL } from './config'
import { clientAddress, database, ONBOARDING, request } from './http'

export const password = 'correct horse battery'
export const newEmail = () => `browser-${randomUUID()}@example.com`
export const isLogin = (from: string) => (u: URL) => u.pathname === '/login' && u.searchParams.get('redirect') === from

/** Script errors and hydration warnings of a page (Chromium's log of expected 4xx responses aside). */
export function watchConsole(page: Page) {
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.text().startsWith('Failed to load resource')) return
    if (m.type() === 'error' || /hydration/i.test(m.text())) errors.push(m.text())
  })
  page.on('pageerror', e => errors.push(e.message))
  return errors
}

/** Registers (and onboards) through the API from the page's own browser context, so the cookie lands there. */
export async function registerInContext(page: Page, base: string) {
  const email = newEmail()
  const response = await page.request.post(`${base}/api/auth/sign-up/email`, {
    data: { name: 'Poll Tester', email, password }, headers: { origin: base },
  })
  expect(response.status()).toBe(200)
  const onboarded = await page.request.post(`${base}/api/account/onboarding`, { data: ONBOARDING, headers: { origin: base } })
  expect(onboarded.status()).toBe(200)
  return email
}

/** A new page, signed in as a new user, showing /dashboard of the server at `base`. */
export async function dashboardOfNewUser(base: string, options: { clock?: boolean } = {}) {
  const page = await createPage(undefined, asNewClient())
  // Playwright's clock: time still flows, and a test can run the page's timers on (the poller's) at once.
  if (options.clock) await page.clock.install()
  const errors = watchConsole(page)
  const email = await registerInContext(page, base)
  const response = await page.goto(`${base}/dashboard`, { waitUntil: 'hydration' })
  expect(await page.getByTestId('user-email').textContent()).toBe(email)
  return { page, email, errors, html: await response!.text() }
}

/** Deletes a user's session rows straight from the database, as an operator with SQL access could. */
export async function deleteSessions(databaseUrl: string, email: string) {
  const changes = await database(sql => sql.run('DELETE FROM "session" WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [email]), databaseUrl)
  expect(changes).toBeGreaterThan(0)
}

/**
 * Browser context options of a client with an address of its own (X-Forwarded-For through the
 * test server's trusted loopback proxy): per-address limits apply to each test's browser apart.
 */
export const asNewClient = (options: BrowserContextOptions = {}): BrowserContextOptions => ({
  ...options,
  extraHTTPHeaders: { 'x-forwarded-for': clientAddress(), ...options.extraHTTPHeaders },
})

/**
 * Stops the page's clock (after dashboardOfNewUser's `clock: true`): from now on its timers, the
 * poller's included, fire only when a test runs the clock on.
 */
export async function pauseClock(page: Page) {
  // The page's time runs on while the call travels: a target it has passed by then is refused, so ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await page.clock.pauseAt(await page.evaluate(() => Date.now() + 50))
    }
    catch (error) {
      if (attempt === 5 || !String(error).includes('to the past')) throw error
    }
  }
}

/**
 * On a paused page clock: the tab is still on `from`; the clock runs one poll interval on, that
 * poll's answer says the session is gone, and the tab reaches /login (for `from`) with the page's
 * time moving in 20 ms steps after it (what the navigation's own timers need, far from a second poll).
 */
export async function signedOutAtNextPoll(page: Page, from: string) {
  expect(new URL(page.url()).pathname).toBe(from)
  const poll = page.waitForResponse(r => new URL(r.url()).pathname === '/api/session')
  await page.clock.runFor(POLL_INTERVAL * 1000)
  expect(await (await poll).json()).toMatchObject({ data: null })
  await expect.poll(async () => {
    await page.clock.runFor(20)
    return isLogin(from)(new URL(page.url()))
  }, { timeout: 8000, interval: 200 }).toBe(true)
}

/**
 * Waits until the server refuses `cookie` (a row deleted by SQL on SQLite is honoured until the
 * server's cached copy is over, SESSION_CACHE_TTL of its own time): the server's state, asked.
 */
export async function untilServerRefuses(cookie: string) {
  await expect.poll(() => request('/api/me', { cookie }).then(r => r.status), { timeout: (SESSION_CACHE_TTL + 2) * 1000, interval: 100 }).toBe(401)
}
