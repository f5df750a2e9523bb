import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { COOKIE, request, sessionsOf, signUp } from '../support/http'
import { type ClockServer, startClockServer } from '../support/server'

// A server whose clock the test moves: one hour idle timeout, refreshed after ten minutes, two
// hours at most. Its session cache keeps entries an hour, so only the sessions' own deadlines
// send a request back to better-auth.
let app: ClockServer
const setClock = (seconds: number) => app.setClock(seconds)
const status = async (cookie: string) => (await request('/api/me', { base: app.url, cookie })).status
const refreshedCookie = (response: Response) => response.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`))

beforeAll(async () => {
  app = await startClockServer({
    SESSION_EXPIRES_IN: '3600',
    SESSION_UPDATE_AGE: '600',
    SESSION_MAX_AGE: '7200',
    SESSION_CACHE_TTL: '3600',
  })
})
beforeEach(() => setClock(0))
afterAll(() => app?.stop())

describe('session lifetimes on a server whose clock moves', () => {
  it('an idle session ends after SESSION_EXPIRES_IN; an active one slides on, until SESSION_MAX_AGE ends it anyway', async () => {
    const active = await signUp(app.url)
    const idle = await signUp(app.url)

    setClock(3000) // 50 min: the active session is used, past SESSION_UPDATE_AGE, so its expiry slides
    expect(await status(active.cookie)).toBe(200)

    setClock(3700) // 1 h 1 min: the idle session's hour is over; the active one lives on
    expect(await status(idle.cookie)).toBe(401)
    expect(await sessionsOf(idle.email, app.databaseUrl)).toHaveLength(0)
    expect(await status(active.cookie)).toBe(200)

    setClock(6500) // 1 h 48 min: still alive, thanks to its activity
    expect(await status(active.cookie)).toBe(200)

    setClock(7300) // 2 h 1 min after sign-in: refused however active, and its row removed
    expect(await status(active.cookie)).toBe(401)
    expect(await sessionsOf(active.email, app.databaseUrl)).toHaveLength(0)
  })

  it('without the sliding refresh, the active session would have ended: SESSION_UPDATE_AGE is what kept it', async () => {
    const user = await signUp(app.url)
    setClock(300) // 5 min: used, but younger than SESSION_UPDATE_AGE, so no slide
    expect(await status(user.cookie)).toBe(200)
    setClock(3650) // just past its original hour
    expect(await status(user.cookie)).toBe(401)
  })

  it('a session that ran out (idle, or past SESSION_MAX_AGE) tells its browser it "expired"', async () => {
    const why = async (cookie: string) => (await (await request('/api/session', { base: app.url, cookie })).json()).ended
    const idle = await signUp(app.url)
    const active = await signUp(app.url)
    setClock(3000)
    expect(await status(active.cookie)).toBe(200) // slides on
    setClock(3700)
    expect(await why(idle.cookie)).toBe('expired')
    setClock(7300)
    expect(await why(active.cookie)).toBe('expired')
  })

  it('a session answered from memory goes back to better-auth once its refresh is due, so the refreshed cookie is sent (API and SSR)', async () => {
    const api = await signUp(app.url)
    const page = await signUp(app.url)
    for (const user of [api, page]) expect(await status(user.cookie)).toBe(200) // now cached

    setClock(300) // not due: answered from memory, no cookie
    const early = await request('/api/me', { base: app.url, cookie: api.cookie })
    expect(early.status).toBe(200)
    expect(refreshedCookie(early)).toBeUndefined()

    setClock(610) // past SESSION_UPDATE_AGE, long before the cache entry's own TTL
    const due = await request('/api/me', { base: app.url, cookie: api.cookie })
    expect(due.status).toBe(200)
    expect(refreshedCookie(due)).toMatch(/Max-Age=3600/)
    const rendered = await request('/dashboard', { base: app.url, cookie: page.cookie })
    expect(rendered.status).toBe(200)
    expect(refreshedCookie(rendered)).toMatch(/Max-Age=3600/)
  })
})
