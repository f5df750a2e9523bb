import type { BrowserContext, Page } from 'playwright-core'
import { getBrowser, setup } from '@nuxt/test-utils/e2e'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { asNewClient, deleteSessions, isLogin, password, pauseClock, registerInContext } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'
import { POLL_INTERVAL } from '../support/config'
import { signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

/** Within this many ms of one tab's news, every other tab acts on it. */
const IN_STEP = 1000

/** Opens `path` in a new tab of `context` and waits until Vue has taken over. */
async function openTab(context: BrowserContext, base: string, path: string, page?: Page) {
  page ??= await context.newPage()
  await page.goto(`${base}${path}`)
  await page.waitForFunction(() => window.useNuxtApp?.().isHydrating === false)
  return page
}

/** A fresh browser profile (tabs in one context share cookies, storage and channels). */
async function newBrowserContext(options: { withoutBroadcastChannel?: boolean, clock?: boolean } = {}) {
  const context = await (await getBrowser()).newContext(asNewClient())
  // Browsers without BroadcastChannel fall back to the `storage` event.
  if (options.withoutBroadcastChannel) await context.addInitScript(() => Reflect.deleteProperty(window, 'BroadcastChannel'))
  if (options.clock) await context.clock.install()
  return context
}

/** Two tabs of one browser, signed in as a new user, both showing `path`. */
async function twoSignedInTabs(base: string, path = '/dashboard', options: Parameters<typeof newBrowserContext>[0] = {}) {
  const context = await newBrowserContext(options)
  const a = await context.newPage()
  const email = await registerInContext(a, base)
  return { a: await openTab(context, base, path, a), b: await openTab(context, base, path), email, context }
}

/** Makes a tab look hidden (or visible again) to the page, as switching tabs or minimising does. */
function setVisibility(page: Page, state: 'hidden' | 'visible') {
  return page.evaluate((state) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state })
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => state === 'hidden' })
    document.dispatchEvent(new Event('visibilitychange'))
  }, state)
}

/** The browser loses its network and gets it back (navigator.onLine and its events, as a real one). */
async function backOnline(context: BrowserContext) {
  await context.setOffline(true)
  await context.setOffline(false)
}

/** The window loses focus and gets it back, as switching to another window and back does. */
function refocus(page: Page, times = 1) {
  return page.evaluate((times) => {
    for (let i = 0; i < times; i++) {
      window.dispatchEvent(new Event('blur'))
      window.dispatchEvent(new Event('focus'))
    }
  }, times)
}

/** Records which tab sent each session check, in order. */
function recordChecks(tabs: Record<string, Page>) {
  const log: string[] = []
  for (const [name, page] of Object.entries(tabs)) {
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/session') log.push(name)
    })
  }
  return log
}

describe.skipIf(!launch)('every tab of a browser in step', () => {
  describe('with background polling effectively off', () => {
    let server: TestServer
    beforeAll(async () => {
      server = await startServer({ SESSION_POLL_INTERVAL: '3600', SESSION_CACHE_TTL: '0' })
    })
    afterAll(() => server?.stop())

    it('signing out in one tab sends the other tab to /login within a second', async () => {
      const { a, b, context } = await twoSignedInTabs(server.url)
      const signedOut = a.waitForResponse(r => r.url().endsWith('/api/auth/sign-out'))
      await a.getByTestId('sign-out').click()
      await signedOut
      await b.waitForURL(isLogin('/dashboard'), { timeout: IN_STEP })
      await context.close()
    })

    it('a tab that finds its session revoked tells the others, which go to /login within a second', async () => {
      const { a, b, email, context } = await twoSignedInTabs(server.url, '/account/sessions')
      await deleteSessions(server.databaseUrl, email)
      expect(await a.evaluate(() => window.useNuxtApp!().$api('/api/me').then(() => 200, (e: { status?: number }) => e.status))).toBe(401)
      await a.waitForURL(isLogin('/account/sessions'), { timeout: IN_STEP })
      await b.waitForURL(isLogin('/account/sessions'), { timeout: IN_STEP })
      await context.close()
    })

    it('signing in in one tab takes the other tab off /login to where it was going', async () => {
      const { email } = await signUp(server.url)
      const context = await newBrowserContext()
      const a = await openTab(context, server.url, '/login')
      const b = await openTab(context, server.url, '/login?redirect=%2Faccount%2Fsessions')

      await a.getByLabel('Email').fill(email)
      await a.getByLabel('Password').fill(password)
      const signedIn = a.waitForResponse(r => r.url().endsWith('/api/auth/sign-in/email'))
      await a.getByRole('button', { name: 'Sign in' }).click()
      expect((await signedIn).status()).toBe(200)
      await b.waitForURL(u => u.pathname === '/account/sessions', { timeout: IN_STEP })
      await expect.poll(() => b.getByRole('heading', { name: /sessions|devices/i }).first().isVisible()).toBe(true)
      await context.close()
    })

    it('without BroadcastChannel, the storage event carries a sign-out to the other tab', async () => {
      const { a, b, context } = await twoSignedInTabs(server.url, '/dashboard', { withoutBroadcastChannel: true })
      expect(await b.evaluate(() => typeof BroadcastChannel)).toBe('undefined')
      const signedOut = a.waitForResponse(r => r.url().endsWith('/api/auth/sign-out'))
      await a.getByTestId('sign-out').click()
      await signedOut
      await b.waitForURL(isLogin('/dashboard'), { timeout: IN_STEP })
      await context.close()
    })

    it('a hidden tab that hears of a sign-out asks the server only once it is seen again', async () => {
      const { a, b, context } = await twoSignedInTabs(server.url)
      await setVisibility(b, 'hidden')
      const checks = recordChecks({ b })
      // The app's own channel is older than this one, so it has heard the news once this one has.
      await b.evaluate(() => {
        Object.assign(window, { heard: new Promise<void>(resolve => new BroadcastChannel('auth:session').onmessage = () => resolve()) })
      })
      await a.getByTestId('sign-out').click()
      await b.evaluate(() => (window as unknown as { heard: Promise<void> }).heard)
      expect(checks).toEqual([])
      expect(new URL(b.url()).pathname).toBe('/dashboard')

      await setVisibility(b, 'visible')
      await b.waitForURL(isLogin('/dashboard'), { timeout: IN_STEP })
      await context.close()
    })
    it('checks at once when the tab becomes visible or the browser comes back online, and on focus at most every 5 s', async () => {
      const { a, context } = await twoSignedInTabs(server.url, '/dashboard', { clock: true })
      // The page's time moves only when the test says: a slow machine cannot make "right after" 5 s.
      await pauseClock(a)
      const checks = recordChecks({ a })
      const asked = () => a.waitForRequest(r => new URL(r.url()).pathname === '/api/session', { timeout: IN_STEP })

      await setVisibility(a, 'hidden')
      let check = asked()
      await setVisibility(a, 'visible')
      await check

      check = asked()
      await backOnline(context)
      await check
      expect(checks).toHaveLength(2)

      // Focus right after a check is not worth a request (the `online` after it always is, and shows they were skipped).
      check = asked()
      await refocus(a, 5)
      await backOnline(context)
      await check
      expect(checks).toHaveLength(3)

      await context.clock.fastForward(6000)
      check = asked()
      await refocus(a)
      await check
      expect(checks).toHaveLength(4)
      await context.close()
    })

    it('a check that fails for network reasons signs nobody out; an answer of "no session" does', async () => {
      const { a, email, context } = await twoSignedInTabs(server.url)
      await a.route('**/api/session', route => route.abort('internetdisconnected'))
      const failed = a.waitForEvent('requestfailed', r => new URL(r.url()).pathname === '/api/session')
      await backOnline(context)
      await failed
      await a.unroute('**/api/session')

      const answered = a.waitForResponse(r => new URL(r.url()).pathname === '/api/session')
      await backOnline(context)
      expect((await (await answered).json()).data.user.email).toBe(email)
      expect(new URL(a.url()).pathname).toBe('/dashboard')

      await deleteSessions(server.databaseUrl, email)
      await backOnline(context)
      await a.waitForURL(isLogin('/dashboard'), { timeout: IN_STEP })
      await context.close()
    })
  })

  describe(`polling every ${POLL_INTERVAL} s`, () => {
    it('one tab polls for all; when it is hidden another takes over and the hidden one sends nothing', async () => {
      const { a, b, context } = await twoSignedInTabs(inject('baseURL'), '/dashboard', { clock: true })
      const checks = recordChecks({ a, b })
      /** `count` poll intervals pass on the browser's clock, each followed by its check. */
      const intervalsPass = async (count: number) => {
        for (let i = 1; i <= count; i++) {
          await context.clock.runFor(POLL_INTERVAL * 1000)
          await expect.poll(() => checks.length).toBeGreaterThanOrEqual(i)
        }
      }
      await intervalsPass(3)
      const poller = checks[0]!
      expect(checks.every(tab => tab === poller)).toBe(true)

      const [hidden, other] = poller === 'a' ? [a, b] : [b, a]
      await setVisibility(hidden, 'hidden')
      checks.length = 0
      await intervalsPass(3)
      expect(checks.every(tab => tab !== poller)).toBe(true)
      expect(await other.getByTestId('user-email').isVisible()).toBe(true)
      await context.close()
    })
  })
})
