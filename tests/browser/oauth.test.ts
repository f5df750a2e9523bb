import { randomUUID } from 'node:crypto'
import { createPage, setup } from '@nuxt/test-utils/e2e'
import { OAuth2Server } from 'oauth2-mock-server'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { asNewClient, password, watchConsole } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'
import { signUp } from '../support/http'
import { type ClockServer, freePort, startClockServer } from '../support/server'

const launch = chromiumLaunchOptions()
const FRESH_AGE = 3600
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

describe.skipIf(!launch)('OpenID Connect in Chromium', () => {
  let oidc: OAuth2Server
  let app: ClockServer
  let identity: Record<string, unknown>
  beforeAll(async () => {
    oidc = new OAuth2Server()
    await oidc.issuer.keys.generate('RS256')
    await oidc.start(await freePort(), '127.0.0.1')
    oidc.service.on('beforeTokenSigning', token => Object.assign(token.payload, identity))
    oidc.service.on('beforeUserinfo', (response) => {
      response.body = identity
    })
    // A server whose clock the test moves past SESSION_FRESH_AGE, after which disconnecting asks for the password again.
    app = await startClockServer({ OIDC_ISSUER: oidc.issuer.url!, OIDC_CLIENT_ID: 'sessionkit', OIDC_CLIENT_SECRET: 'secret', OIDC_NAME: 'Example SSO', SESSION_FRESH_AGE: String(FRESH_AGE) })
  })
  afterAll(async () => {
    await app?.stop()
    await oidc?.stop()
  })

  it('a new user continues with the provider and arrives at onboarding, signed in', async () => {
    identity = { sub: randomUUID(), email: `sso-${randomUUID()}@example.com`, email_verified: true, name: 'Sso Browser' }
    const page = await createPage(undefined, asNewClient())
    const errors = watchConsole(page)
    await page.goto(`${app.url}/login?redirect=%2Faccount%2Fsessions`, { waitUntil: 'hydration' })
    await page.getByRole('button', { name: 'Continue with Example SSO' }).click()
    await page.waitForURL(u => u.pathname === '/onboarding' && u.searchParams.get('redirect') === '/account/sessions')
    expect((await page.request.get(`${app.url}/api/me`)).status()).toBe(200)
    expect(errors).toEqual([])
    await page.close()
  })

  it('the owner of an existing account is told to link, connects the provider on /account/security, and later disconnects it after confirming the password', async () => {
    const owner = await signUp(app.url)
    identity = { sub: randomUUID(), email: owner.email, email_verified: true, name: 'Owner' }
    const page = await createPage(undefined, asNewClient())
    await page.goto(`${app.url}/login`, { waitUntil: 'hydration' })
    await page.getByRole('button', { name: 'Continue with Example SSO' }).click()
    await page.waitForURL(u => u.pathname === '/login' && u.searchParams.get('error') === 'account_not_linked')
    await expect.poll(() => page.getByTestId('login-notice').textContent()).toContain('An account with this email address already exists.')

    await page.getByLabel('Email').fill(owner.email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(u => u.pathname === '/dashboard')
    await page.goto(`${app.url}/account/security`, { waitUntil: 'hydration' })
    const card = page.getByTestId('connected-accounts')
    expect(await card.textContent()).toContain('not connected')
    const back = page.waitForResponse(r => new URL(r.url()).pathname === '/api/auth/callback/oidc')
    await card.getByRole('button', { name: 'Connect Example SSO' }).click()
    expect((await back).headers().location).toBe('/account/security')
    await page.waitForURL(u => u.pathname === '/account/security')
    await page.waitForFunction(() => window.useNuxtApp?.().isHydrating === false)
    await expect.poll(() => page.getByTestId('connected-accounts').textContent()).toContain('connected')
    expect(await page.getByTestId('connected-accounts').textContent()).not.toContain('not connected')

    // Past SESSION_FRESH_AGE, disconnecting asks for the password, then goes through.
    app.setClock(FRESH_AGE + 60)
    await card.getByRole('button', { name: 'Disconnect' }).click()
    const dialog = card.getByRole('dialog', { name: 'Confirm it\'s you' })
    await dialog.waitFor()
    await dialog.getByLabel('Password').fill(password)
    await dialog.getByRole('button', { name: 'Confirm' }).click()
    await expect.poll(() => card.textContent()).toContain('Example SSO is no longer connected.')
    expect(await card.textContent()).toContain('not connected')
    expect(await card.getByRole('dialog').count()).toBe(0)
    await page.close()
  })
})
