import { createPage, setup, url } from '@nuxt/test-utils/e2e'
import { describe, expect, inject, it } from 'vitest'
import { chromiumLaunchOptions } from '../support/chromium'
import { adminCookie, request, signUp } from '../support/http'
import { asNewClient } from '../support/browser'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

describe.skipIf(!launch)('/admin in Chromium', () => {
  it('finds a user, shows their sessions, and a ban ends them at once', async () => {
    const user = await signUp()
    const page = await createPage(undefined, asNewClient())
    const [name, value] = (await adminCookie()).split('=')
    await page.context().addCookies([{ name: name!, value: value!, url: url('/') }])
    await page.goto(url('/admin'), { waitUntil: 'hydration' })

    await page.getByRole('searchbox', { name: 'Search users by email' }).fill(user.email)
    await page.getByRole('searchbox', { name: 'Search users by email' }).press('Enter')
    const rows = page.getByTestId('admin-users').getByRole('listitem')
    await expect.poll(() => rows.count()).toBe(1)
    await rows.first().getByRole('button', { name: 'Manage' }).click()

    const panel = page.getByTestId('admin-user-panel')
    await expect.poll(() => panel.getByRole('heading', { name: 'Sessions (1)' }).isVisible()).toBe(true)
    await panel.getByLabel('Reason for the ban').fill('Spam')
    await panel.getByRole('button', { name: 'Ban and sign out' }).click()
    await expect.poll(() => panel.getByRole('status').textContent()).toBe(`${user.email} is banned.`)
    await expect.poll(() => panel.textContent()).toContain('Banned: Spam')
    expect((await request('/api/me', { cookie: user.cookie })).status).toBe(401)

    await panel.getByRole('button', { name: 'Unban' }).click()
    await expect.poll(() => panel.getByRole('status').textContent()).toBe(`${user.email} may sign in again.`)
    await page.close()
  })
})
