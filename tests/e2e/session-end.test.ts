import { describe, expect, it } from 'vitest'
import { adminCookie, COOKIE, request, sessionCookie, signUp } from '../support/http'

/** A user signed in twice: `tab` is the session that ends, `other` is the user's second device. */
async function twoSessions() {
  const { email, password, cookie: tab } = await signUp()
  const other = sessionCookie(await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) }))!
  const sessions = (await (await request('/api/sessions', { cookie: other })).json()).data as { id: string, current: boolean }[]
  const userId = (await (await request('/api/me', { cookie: other })).json()).data.id as string
  return { tab, other, tabSessionId: sessions.find(s => !s.current)!.id, userId }
}

const answer = async (cookie?: string) => (await request('/api/session', { cookie })).json()
const post = (path: string, cookie: string, body: object = {}) => request(path, { method: 'POST', cookie, body: JSON.stringify(body) })

describe('why a session ended, told to the browser that held it', () => {
  it('an administrator ending it (revoke or ban) reads as "revoked"', async () => {
    const revoked = await twoSessions()
    expect((await request(`/api/admin/sessions/${revoked.tabSessionId}`, { method: 'DELETE', cookie: await adminCookie() })).status).toBe(200)
    expect(await answer(revoked.tab)).toEqual({ success: true, data: null, ended: 'revoked' })

    const banned = await twoSessions()
    expect((await post(`/api/admin/users/${banned.userId}/ban`, await adminCookie(), { reason: 'Testing' })).status).toBe(200)
    expect((await answer(banned.tab)).ended).toBe('revoked')
  })

  it('the user ending it from another device, or signing out everywhere, reads as "signed-out"', async () => {
    const one = await twoSessions()
    expect((await request(`/api/sessions/${one.tabSessionId}`, { method: 'DELETE', cookie: one.other })).status).toBe(200)
    expect((await answer(one.tab)).ended).toBe('signed-out')

    const all = await twoSessions()
    expect((await post('/api/sessions/revoke-all', all.other)).status).toBe(200)
    // A protected route's 401 says it too: the dead cookie is cleared by that very answer.
    const refused = await request('/api/me', { cookie: all.tab })
    expect(refused.status).toBe(401)
    expect(await refused.json()).toEqual({ success: false, message: 'Authentication required', ended: 'signed-out' })
    expect(sessionCookie(refused)).toBe(`${COOKIE}=`)
  })

  it('a server-rendered page sends the holder to the sign-in page with the reason and the way back', async () => {
    const { tab, tabSessionId } = await twoSessions()
    await request(`/api/admin/sessions/${tabSessionId}`, { method: 'DELETE', cookie: await adminCookie() })
    const page = await request('/account/sessions', { cookie: tab })
    expect(page.status).toBe(302)
    expect(page.headers.get('location')).toBe('/login?redirect=%2Faccount%2Fsessions&reason=revoked')
  })

  it('tells nobody else: no cookie, a forged signature or a live session get no reason', async () => {
    const { tab, tabSessionId } = await twoSessions()
    await request(`/api/admin/sessions/${tabSessionId}`, { method: 'DELETE', cookie: await adminCookie() })
    const token = tab.slice(COOKIE.length + 1).split('.')[0]
    expect(await answer()).toEqual({ success: true, data: null, ended: null })
    expect((await answer(`${COOKIE}=${token}.${'A'.repeat(43)}=`)).ended).toBeNull()
    const signedUp = await signUp()
    const live = await answer(signedUp.cookie)
    expect(live.ended).toBeNull()
    expect(live.data.user.email).toBe(signedUp.email)
  })
})
