import { setup } from '@nuxt/test-utils/e2e'
import { describe, expect, inject, it } from 'vitest'
import { dashboardOfNewUser, deleteSessions, password, pauseClock, signedOutAtNextPoll, untilServerRefuses } from '../support/browser'
import { chromiumLaunchOptions } from '../support/chromium'
import { adminCookie, COOKIE, request, sessionCookie } from '../support/http'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

interface Victim { email: string, tab: string, tabSessionId: string, other: string, userId: string }
const post = (path: string, cookie: string, body: object = {}) => request(path, { method: 'POST', cookie, body: JSON.stringify(body) })

/** Every way a session ends, done from outside the open tab (mostly from the user's second device): the status it answered, or 'deleted' for SQL. */
const status = (response: Promise<Response>) => response.then(r => r.status)
const endings: Record<string, (v: Victim) => Promise<number | 'deleted'>> = {
  'signed out with its own cookie elsewhere': v => status(post('/api/auth/sign-out', v.tab)),
  'revoked from another device': v => status(request(`/api/sessions/${v.tabSessionId}`, { method: 'DELETE', cookie: v.other })),
  'another device signs out all others': v => status(post('/api/sessions/revoke-others', v.other)),
  'another device signs out everywhere': v => status(post('/api/sessions/revoke-all', v.other)),
  'the password is changed on another device': v => status(post('/api/account/password', v.other, { currentPassword: password, newPassword: 'a different passphrase' })),
  'the account is deleted on another device': v => status(post('/api/account/delete', v.other, { password })),
  'its row is deleted from the database': async v => deleteSessions(inject('databaseUrl'), v.email).then(() => 'deleted' as const),
  'an administrator ends it': async v => status(request(`/api/admin/sessions/${v.tabSessionId}`, { method: 'DELETE', cookie: await adminCookie() })),
  'an administrator bans the user': async v => status(post(`/api/admin/users/${v.userId}/ban`, await adminCookie(), { reason: 'Testing bans' })),
}

describe.skipIf(!launch)('an open tab learns at once that its session ended', () => {
  it.each(Object.entries(endings))('%s: the tab reaches /login at its next poll (a row deleted by SQL on SQLite: once the server refuses it)', async (name, end) => {
    const { page, email } = await dashboardOfNewUser(inject('baseURL'), { clock: true })
    const cookie = (await page.context().cookies()).find(c => c.name === COOKIE)!
    const tab = `${cookie.name}=${cookie.value}`
    const other = sessionCookie(await post('/api/auth/sign-in/email', '', { email, password }))!
    const sessions = (await (await request('/api/sessions', { cookie: other })).json()).data as { id: string, current: boolean }[]
    const tabSessionId = sessions.find(s => !s.current)!.id
    const userId = (await (await request('/api/me', { cookie: other })).json()).data.id

    await pauseClock(page)
    const outcome = await end({ email, tab, tabSessionId, other, userId })
    if (name === 'its row is deleted from the database') {
      expect(outcome).toBe('deleted')
      // SQLite tells no one of a row deleted behind its back: honoured until the cached copy is over.
      if (inject('databaseUrl').startsWith('file:')) await untilServerRefuses(tab)
    }
    else {
      expect(outcome).toBe(200)
    }
    await signedOutAtNextPoll(page, '/dashboard')
    expect((await request('/api/me', { cookie: tab })).status).toBe(401)
    await page.close()
  })
})
