import type { Page } from 'playwright-core'
import { getBrowser, setup } from '@nuxt/test-utils/e2e'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { asNewClient, isLogin, password, registerInContext, watchConsole } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'
import { POLL_INTERVAL } from '../support/config'
import { adminCookie, COOKIE, request, sessionCookie, sessionsOf } from '../support/http'
import { type ClockServer, startClockServer } from '../support/server'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

/** A signed-in tab showing `path` in a fresh browser whose clock the test controls (time still flows). */
async function signedInTab(base: string, path: string) {
  const context = await (await getBrowser()).newContext(asNewClient())
  await context.clock.install()
  const page = await context.newPage()
  const email = await registerInContext(page, base)
  await page.goto(`${base}${path}`)
  await page.waitForFunction(() => window.useNuxtApp?.().isHydrating === false)
  return { page, email, context, clock: context.clock }
}

const warning = (page: Page) => page.getByRole('dialog', { name: 'Your session is about to end' })
const sessionAnswer = (page: Page) => page.waitForResponse(r => new URL(r.url()).pathname === '/api/session')

async function signInAgain(page: Page, email: string) {
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

describe.skipIf(!launch)('before the session ends', () => {
  // A server whose clock the test moves with the browser's: sessions last an hour, refresh after
  // ten minutes, and the warning comes two minutes before the end.
  let server: ClockServer
  const setServerClock = (seconds: number) => server.setClock(seconds)
  beforeAll(async () => {
    server = await startClockServer({
      SESSION_EXPIRES_IN: '3600',
      SESSION_UPDATE_AGE: '600',
      SESSION_WARN_BEFORE: '120',
      SESSION_POLL_INTERVAL: '7200',
    })
  })
  beforeEach(() => setServerClock(0))
  afterAll(() => server?.stop())

  /** Both clocks move `seconds` on; the browser's timers that fall due fire. */
  async function timePasses(clock: Page['clock'], seconds: number, serverAt: number) {
    setServerClock(serverAt)
    await clock.fastForward(seconds * 1000)
  }

  it('a page rendered when the session is due for its sliding refresh carries the refreshed cookie, with no hydration mismatch', async () => {
    const context = await (await getBrowser()).newContext(asNewClient())
    const page = await context.newPage()
    const errors = watchConsole(page)
    const email = await registerInContext(page, server.url)
    const [before] = await sessionsOf(email, server.databaseUrl)

    setServerClock(700) // past SESSION_UPDATE_AGE (600 s): this render is the one that slides the session
    const response = await page.goto(`${server.url}/dashboard`)
    await page.waitForFunction(() => window.useNuxtApp?.().isHydrating === false)
    expect(response!.status()).toBe(200)
    const setCookie = (await response!.headerValue('set-cookie'))?.split('\n').find(c => c.startsWith(`${COOKIE}=`))
    expect(setCookie).toMatch(/Max-Age=3600/)
    const [after] = await sessionsOf(email, server.databaseUrl)
    expect(after!.expiresAt.getTime() - before!.expiresAt.getTime()).toBeGreaterThanOrEqual(690_000)
    expect(await page.getByTestId('user-email').textContent()).toBe(email)
    expect(errors).toEqual([])
    await context.close()
  })

  it('warns an idle user with a live countdown and focus in the dialog; "Stay signed in" refreshes the session', async () => {
    const { page, context, clock } = await signedInTab(server.url, '/dashboard')
    await timePasses(clock, 3500, 3500) // 100 s left, nobody has touched the page for an hour
    await expect.poll(() => warning(page).isVisible()).toBe(true)
    expect(await page.evaluate(() => !!document.activeElement?.closest('dialog'))).toBe(true)
    expect(await page.evaluate(() => document.activeElement?.textContent?.trim())).toBe('Stay signed in')

    const countdown = page.getByTestId('expiry-countdown')
    const before = await countdown.textContent()
    expect(before).toMatch(/^1:[34]\d$/)
    await clock.fastForward(3000)
    await expect.poll(() => countdown.textContent()).not.toBe(before)

    const refreshed = sessionAnswer(page)
    await page.getByRole('button', { name: 'Stay signed in' }).click()
    const response = await refreshed
    expect(await response.headerValue('set-cookie')).toContain(`${COOKIE}=`)
    const { data } = await response.json()
    expect(new Date(data.session.expiresAt).getTime() - await page.evaluate(() => Date.now())).toBeGreaterThan(3000_000)
    await expect.poll(() => warning(page).isVisible()).toBe(false)
    await context.close()
  })

  it('Escape dismisses it; when the time runs out the browser goes to /login, which says why, and signing in leads back', async () => {
    const { page, email, context, clock } = await signedInTab(server.url, '/account/sessions')
    await timePasses(clock, 3500, 3500)
    await expect.poll(() => warning(page).isVisible()).toBe(true)
    await page.keyboard.press('Escape')
    await expect.poll(() => warning(page).isVisible()).toBe(false)

    await timePasses(clock, 101, 3601)
    await page.waitForURL(u => isLogin('/account/sessions')(u) && u.searchParams.get('reason') === 'expired')
    await expect.poll(() => page.getByTestId('login-notice').textContent()).toMatch(/session expired/i)
    expect(await warning(page).count()).toBe(0)

    await signInAgain(page, email)
    await page.waitForURL(u => u.pathname === '/account/sessions')
    await context.close()
  })

  it('"Sign out" in the warning ends the session on the server and goes to the sign-in page', async () => {
    const { page, email, context, clock } = await signedInTab(server.url, '/dashboard')
    await timePasses(clock, 3500, 3500)
    await expect.poll(() => warning(page).isVisible()).toBe(true)
    const signedOut = page.waitForResponse(r => new URL(r.url()).pathname === '/api/auth/sign-out')
    await warning(page).getByRole('button', { name: 'Sign out' }).click()
    expect((await signedOut).status()).toBe(200)
    await page.waitForURL(u => u.pathname === '/login')
    expect(await sessionsOf(email, server.databaseUrl)).toHaveLength(0)
    expect(await warning(page).isVisible()).toBe(false)
    await context.close()
  })

  it('an active user is not interrupted: the session is refreshed without a dialog', async () => {
    const { page, context, clock } = await signedInTab(server.url, '/dashboard')
    await timePasses(clock, 3450, 3450) // 150 s left: no warning yet
    await page.mouse.move(200, 200)
    await page.mouse.move(300, 250)
    const refreshed = sessionAnswer(page)
    await timePasses(clock, 40, 3490) // 110 s left, last input 40 s ago
    const response = await refreshed
    expect(await response.headerValue('set-cookie')).toContain(`${COOKIE}=`)
    // Time goes on past where the old expiry would warn (105 s left of it): the page knows the new one.
    await timePasses(clock, 5, 3495)
    expect(await warning(page).isVisible()).toBe(false)
    expect(await page.getByTestId('user-email').isVisible()).toBe(true)
    await context.close()
  })
})

describe.skipIf(!launch)('after a forced sign-in, back where the user was', () => {
  it('an administrator ends the session: /login says so, and signing in returns to the page', async () => {
    const base = inject('baseURL')
    const { page, email, context, clock } = await signedInTab(base, '/account/sessions')
    const other = sessionCookie(await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) }))!
    const sessions = (await (await request('/api/sessions', { cookie: other })).json()).data as { id: string, current: boolean }[]
    const tab = sessions.find(s => !s.current)!.id
    expect((await request(`/api/admin/sessions/${tab}`, { method: 'DELETE', cookie: await adminCookie() })).status).toBe(200)

    // The poller's next check, on the page's clock.
    await clock.runFor(POLL_INTERVAL * 1000)
    await page.waitForURL(u => isLogin('/account/sessions')(u) && u.searchParams.get('reason') === 'revoked', { timeout: 2000 })
    await expect.poll(() => page.getByTestId('login-notice').textContent()).toMatch(/administrator ended your session/i)
    await signInAgain(page, email)
    await page.waitForURL(u => u.pathname === '/account/sessions')
    await context.close()
  })

  it('signed out everywhere from another device: the next API call\'s 401 leads to /login saying so', async () => {
    const base = inject('baseURL')
    const { page, email, context } = await signedInTab(base, '/dashboard')
    const other = sessionCookie(await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) }))!
    expect((await request('/api/sessions/revoke-all', { method: 'POST', cookie: other })).status).toBe(200)

    expect(await page.evaluate(() => window.useNuxtApp!().$api('/api/me').then(() => 200, (e: { status?: number }) => e.status))).toBe(401)
    await page.waitForURL(u => isLogin('/dashboard')(u) && u.searchParams.get('reason') === 'signed-out')
    await expect.poll(() => page.getByTestId('login-notice').textContent()).toMatch(/signed out in another tab or on another device/i)
    await context.close()
  })

  it('a signed-out visitor sees only the fixed text for a reason, and none for an unknown one', async () => {
    const page = await (await getBrowser()).newPage(asNewClient())
    await page.goto(`${inject('baseURL')}/login?reason=revoked`)
    await expect.poll(() => page.getByTestId('login-notice').textContent()).toMatch(/^\s*An administrator ended your session\. Sign in again to carry on\.\s*$/)
    await page.goto(`${inject('baseURL')}/login?reason=<script>alert(1)</script>`)
    await page.waitForFunction(() => window.useNuxtApp?.().isHydrating === false)
    expect(await page.getByTestId('login-notice').count()).toBe(0)
    await page.close()
  })
})
