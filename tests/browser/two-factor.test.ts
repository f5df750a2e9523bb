import * as OTPAuth from 'otpauth'
import { setup } from '@nuxt/test-utils/e2e'
import { describe, expect, inject, it } from 'vitest'
import { dashboardOfNewUser, password } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

describe.skipIf(!launch)('two-factor sign-in in Chromium', () => {
  it('enrols on /account/security with a QR code, shows the backup codes once, asks for a code at sign-in, and turns off with the password', async () => {
    const base = inject('baseURL')
    const { page, email, errors } = await dashboardOfNewUser(base)
    await page.goto(`${base}/account/security`, { waitUntil: 'hydration' })
    const card = page.getByTestId('two-factor')
    await card.getByLabel('Password').fill(password)
    await card.getByRole('button', { name: 'Set up two-factor sign-in' }).click()
    const qr = card.getByRole('img', { name: 'QR code for your authenticator app' })
    await qr.waitFor()
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/)
    expect(await qr.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
    const totp = new OTPAuth.TOTP({ secret: (await card.getByTestId('totp-secret').textContent())!.trim() })

    await card.getByLabel('Code from the app').fill(totp.generate())
    await card.getByRole('button', { name: 'Turn on two-factor sign-in' }).click()
    const codes = card.getByTestId('backup-codes').getByRole('listitem')
    await expect.poll(() => codes.count()).toBe(10)
    const first = (await codes.allTextContents()).map(c => c.trim())
    await card.getByRole('button', { name: 'I have saved my backup codes' }).click()
    expect(await card.getByTestId('backup-codes').count()).toBe(0)
    expect(await card.textContent()).toContain('On: signing in asks for a code')

    // New backup codes, once the password is entered again: shown once, none of the old ones.
    await card.getByLabel('Password').fill(password)
    await card.getByRole('button', { name: 'Make new backup codes' }).click()
    await expect.poll(() => codes.count()).toBe(10)
    expect(await card.textContent()).toContain('New backup codes made. The old ones no longer work.')
    expect((await codes.allTextContents()).map(c => c.trim()).filter(c => first.includes(c))).toEqual([])
    await card.getByRole('button', { name: 'I have saved my backup codes' }).click()
    expect(await card.getByTestId('backup-codes').count()).toBe(0)

    // Sign out through the page, then in again: the password is not enough.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(u => u.pathname === '/login')
    expect((await page.request.get(`${base}/api/me`)).status()).toBe(401)
    await page.goto(`${base}/login?redirect=%2Faccount%2Fsecurity`, { waitUntil: 'hydration' })
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(u => u.pathname === '/login-2fa')
    await page.getByLabel('Code').fill(String((Number(totp.generate()) + 500_000) % 1_000_000).padStart(6, '0'))
    await page.getByRole('button', { name: 'Verify' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That code is not right. Enter the 6 digits your authenticator app shows now.')
    await page.getByLabel('Code').fill(totp.generate())
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL(u => u.pathname === '/account/security')

    // Turned off with the password: the next sign-in needs the password only.
    await card.getByLabel('Password').fill(password)
    await card.getByRole('button', { name: 'Turn off two-factor sign-in' }).click()
    await expect.poll(() => card.getByRole('status').textContent()).toBe('Two-factor sign-in is off.')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL(u => u.pathname === '/login')
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(password)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(u => u.pathname === '/dashboard')
    expect(errors).toEqual([])
    await page.close()
  })

  it('"Trust this browser" survives signing out through the page: the next sign-in there asks for no code', async () => {
    const base = inject('baseURL')
    const { page, email } = await dashboardOfNewUser(base)
    const post = async (path: string, data: object) => {
      const response = await page.request.post(`${base}${path}`, { data, headers: { origin: base } })
      expect(response.status(), path).toBe(200)
      return response.json()
    }
    const { totpURI } = await post('/api/auth/two-factor/enable', { password })
    const totp = OTPAuth.URI.parse(totpURI) as OTPAuth.TOTP
    await post('/api/auth/two-factor/verify-totp', { code: totp.generate() })
    const signInOnPage = async () => {
      await page.goto(`${base}/login`, { waitUntil: 'hydration' })
      await page.getByLabel('Email').fill(email)
      await page.getByLabel('Password').fill(password)
      await page.getByRole('button', { name: 'Sign in' }).click()
    }
    const signOutOnPage = async () => {
      await page.getByRole('button', { name: 'Sign out' }).click()
      await page.waitForURL(u => u.pathname === '/login')
    }
    await signOutOnPage()
    await signInOnPage()
    await page.waitForURL(u => u.pathname === '/login-2fa')
    await page.getByLabel('Code').fill(totp.generate())
    await page.getByLabel('Trust this browser for 30 days').check()
    await page.getByRole('button', { name: 'Verify' }).click()
    await page.waitForURL(u => u.pathname === '/dashboard')

    await signOutOnPage()
    await signInOnPage()
    await page.waitForURL(u => u.pathname === '/dashboard')
    expect(await page.getByTestId('user-email').textContent()).toBe(email)
    await page.close()
  })
})
