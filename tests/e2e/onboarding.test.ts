import { describe, expect, it } from 'vitest'
import { request, signUp } from '../support/http'

const onboard = (cookie: string, body: object) => request('/api/account/onboarding', { method: 'POST', cookie, body: JSON.stringify(body) })
const me = async (cookie: string) => (await (await request('/api/me', { cookie })).json()).data

describe('forced onboarding', () => {
  it('a new user gets 403 ONBOARDING_REQUIRED from routes that need it, until the details are saved', async () => {
    const { cookie } = await signUp(undefined, undefined, { onboard: false })
    const refused = await request('/api/sessions', { cookie })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ success: false, code: 'ONBOARDING_REQUIRED', message: expect.stringMatching(/\/onboarding/) })
    expect((await request('/api/account/events', { cookie })).status).toBe(403)
    // Reading who you are still works: the onboarding page needs it.
    expect((await me(cookie)).onboardedAt).toBeNull()

    const saved = await onboard(cookie, { displayName: '  Ada L.  ', timeZone: 'europe/paris' })
    expect(saved.status).toBe(200)
    expect((await saved.json()).data).toMatchObject({ displayName: 'Ada L.', timeZone: 'Europe/Paris', onboardedAt: expect.any(String) })
    expect((await request('/api/sessions', { cookie })).status).toBe(200)
    expect(await me(cookie)).toMatchObject({ displayName: 'Ada L.', timeZone: 'Europe/Paris' })
  })

  it('refuses bad details with a clear 400 and changes nothing', async () => {
    const { cookie } = await signUp(undefined, undefined, { onboard: false })
    for (const [body, message] of [
      [{ displayName: '', timeZone: 'UTC' }, /enter the name others will see/i],
      [{ displayName: 'Ada', timeZone: 'Mars/Olympus_Mons' }, /time zone/i],
      [{ displayName: 'x'.repeat(61), timeZone: 'UTC' }, /at most 60/i],
    ] as const) {
      const response = await onboard(cookie, body)
      expect(response.status).toBe(400)
      expect((await response.json()).message).toMatch(message)
    }
    expect(await me(cookie)).toMatchObject({ displayName: null, timeZone: null, onboardedAt: null })
  })

  it('cannot be skipped by sending the fields at sign-up', async () => {
    const response = await request('/api/auth/sign-up/email', {
      method: 'POST',
      body: JSON.stringify({ name: 'Sneaky', email: `sneaky-${Date.now()}@example.com`, password: 'correct horse battery', onboardedAt: new Date().toISOString(), timeZone: 'UTC' }),
    })
    // better-auth refuses fields marked `input: false` outright.
    expect(response.status).toBe(400)
    expect((await response.json()).message).toMatch(/onboardedAt|timeZone/)
  })

  it('signed-in pages send a new user to /onboarding during SSR, with the way back; the page leads on once done', async () => {
    const { cookie } = await signUp(undefined, undefined, { onboard: false })
    const page = await request('/account/sessions', { cookie })
    expect(page.status).toBe(302)
    expect(page.headers.get('location')).toBe('/onboarding?redirect=%2Faccount%2Fsessions')
    expect((await request('/onboarding', { cookie })).status).toBe(200)
    // Public pages stay open.
    expect((await request('/', { cookie })).status).toBe(200)

    await onboard(cookie, { displayName: 'Ada', timeZone: 'UTC' })
    expect((await request('/account/sessions', { cookie })).status).toBe(200)
    const done = await request('/onboarding?redirect=%2Faccount%2Fsessions', { cookie })
    expect(done.status).toBe(302)
    expect(done.headers.get('location')).toBe('/account/sessions')
  })
})
