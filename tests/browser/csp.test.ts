import type { Page } from 'playwright-core'
import { setup } from '@nuxt/test-utils/e2e'
import { describe, expect, inject, it } from 'vitest'
import { dashboardOfNewUser, password } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

/** Records every Content-Security-Policy violation the page reports. */
async function watchViolations(page: Page) {
  await page.addInitScript(() => {
    const seen: string[] = []
    Object.assign(window, { __violations: seen })
    document.addEventListener('securitypolicyviolation', e => seen.push(`${e.violatedDirective} ${e.blockedURI}`))
  })
  return () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)
}

describe.skipIf(!launch)('Content-Security-Policy in Chromium', () => {
  it('the app works under it: every page, the QR code, no violation', async () => {
    const base = inject('baseURL')
    const { page, errors } = await dashboardOfNewUser(base)
    const violations = await watchViolations(page)
    for (const path of ['/', '/dashboard', '/account', '/account/sessions', '/account/security']) {
      await page.goto(`${base}${path}`, { waitUntil: 'hydration' })
      expect(await violations(), path).toEqual([])
    }
    // Interactive after hydration, and the QR code (a data: image) shows.
    const card = page.getByTestId('two-factor')
    await card.getByLabel('Password').fill(password)
    await card.getByRole('button', { name: 'Set up two-factor sign-in' }).click()
    const qr = card.getByRole('img', { name: 'QR code for your authenticator app' })
    await expect.poll(() => qr.evaluate(img => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0)
    expect(await violations()).toEqual([])
    expect(errors).toEqual([])
    await page.close()
  })

  it('blocks a script injected into the page, and a script from another origin', async () => {
    const base = inject('baseURL')
    const { page } = await dashboardOfNewUser(base)
    const violations = await watchViolations(page)
    await page.goto(`${base}/dashboard`, { waitUntil: 'hydration' })
    const ran = await page.evaluate(async () => {
      const inline = document.createElement('script')
      inline.textContent = 'window.__injected = true'
      document.head.append(inline)
      const remote = document.createElement('script')
      remote.src = 'https://example.com/evil.js'
      document.head.append(remote)
      await new Promise(resolve => setTimeout(resolve, 100))
      return (window as unknown as { __injected?: boolean }).__injected ?? false
    })
    expect(ran).toBe(false)
    await expect.poll(violations).toEqual(['script-src-elem inline', 'script-src-elem https://example.com/evil.js'])
    await page.close()
  })
})
