import { describe, expect, it } from 'vitest'
import { clientAddress, COOKIE, request, sessionCookie, sessionsOf, signUp } from '../support/http'

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36'
const SAFARI_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1'

/** A user signed in on a Mac (the "laptop") and an iPhone (the "phone"). */
async function userWithTwoDevices() {
  const { email, password } = await signUp()
  // Where the laptop signs in from, as the trusted proxy says.
  const laptopIp = clientAddress()
  const signIn = (userAgent: string) => request('/api/auth/sign-in/email', {
    method: 'POST',
    ip: userAgent === CHROME_MAC ? laptopIp : undefined,
    headers: { 'user-agent': userAgent },
    body: JSON.stringify({ email, password }),
  }).then(sessionCookie) as Promise<string>
  const laptop = await signIn(CHROME_MAC)
  const phone = await signIn(SAFARI_IPHONE)
  const list = async (cookie: string) => (await (await request('/api/sessions', { cookie })).json()).data
  return { email, laptop, phone, list, laptopIp }
}

const status = async (cookie: string) => (await request('/api/me', { cookie })).status

describe('GET /api/sessions', () => {
  it('lists every session of the user, this device first, with browser, OS and IP, and no token', async () => {
    const { email, laptop, list, laptopIp } = await userWithTwoDevices()
    const response = await request('/api/sessions', { cookie: laptop })
    const text = await response.text()
    for (const row of await sessionsOf(email)) expect(text).not.toContain(row.token)

    const sessions = JSON.parse(text).data
    expect(sessions).toHaveLength(3) // sign-up, laptop, phone
    expect(sessions[0]).toMatchObject({ current: true, browser: 'Chrome 120', os: 'macOS Catalina', deviceType: 'desktop', ipAddress: laptopIp })
    expect(sessions.filter((s: { current: boolean }) => s.current)).toHaveLength(1)
    expect(sessions).toContainEqual(expect.objectContaining({ browser: 'Safari 17', os: 'iOS 17.1', deviceType: 'mobile', current: false }))
    for (const key of ['id', 'createdAt', 'lastActiveAt', 'expiresAt']) expect(sessions[0]).toHaveProperty(key)
    expect(await list(laptop)).toEqual(sessions)
  })

  it('answers 401 without a session', async () => {
    expect((await request('/api/sessions')).status).toBe(401)
  })
})

describe('ending sessions', () => {
  it('DELETE /api/sessions/:id ends another of my devices; its cookie then gets 401', async () => {
    const { laptop, phone, list } = await userWithTwoDevices()
    const phoneSession = (await list(laptop)).find((s: { os: string }) => s.os.startsWith('iOS'))
    const response = await request(`/api/sessions/${phoneSession.id}`, { method: 'DELETE', cookie: laptop })
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ success: true })
    expect(await status(phone)).toBe(401)
    expect(await status(laptop)).toBe(200)
    expect((await list(laptop)).map((s: { id: string }) => s.id)).not.toContain(phoneSession.id)
  })

  it('DELETE of this device\'s own session signs it out and clears its cookie', async () => {
    const { laptop, list } = await userWithTwoDevices()
    const current = (await list(laptop))[0]
    const response = await request(`/api/sessions/${current.id}`, { method: 'DELETE', cookie: laptop })
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`))).toMatch(/Max-Age=0/)
    expect(await status(laptop)).toBe(401)
  })

  it('answers 404 for a session that is not mine, and that session stays alive', async () => {
    const victim = await userWithTwoDevices()
    const attacker = await signUp()
    const target = (await victim.list(victim.laptop))[1]
    const response = await request(`/api/sessions/${target.id}`, { method: 'DELETE', cookie: attacker.cookie })
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ success: false, message: 'Session not found' })
    expect(await status(victim.phone)).toBe(200)
    expect(await status(victim.laptop)).toBe(200)
  })

  it('answers 404 for an id that does not exist and 401 without a session', async () => {
    const { cookie } = await signUp()
    expect((await request('/api/sessions/no-such-session', { method: 'DELETE', cookie })).status).toBe(404)
    expect((await request('/api/sessions/no-such-session', { method: 'DELETE' })).status).toBe(401)
  })

  it('POST /api/sessions/revoke-others ends every other session and keeps this one', async () => {
    const { email, laptop, phone, list } = await userWithTwoDevices()
    const response = await request('/api/sessions/revoke-others', { method: 'POST', cookie: laptop })
    expect(response.status).toBe(200)
    expect(await status(phone)).toBe(401)
    expect(await status(laptop)).toBe(200)
    expect(await list(laptop)).toHaveLength(1)
    expect(await sessionsOf(email)).toHaveLength(1)
  })

  it('POST /api/sessions/revoke-all ends every session, this one included, and clears the cookie', async () => {
    const { email, laptop, phone } = await userWithTwoDevices()
    const response = await request('/api/sessions/revoke-all', { method: 'POST', cookie: laptop })
    expect(response.status).toBe(200)
    expect(response.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=`))).toMatch(/Max-Age=0/)
    expect(await status(phone)).toBe(401)
    expect(await status(laptop)).toBe(401)
    expect(await sessionsOf(email)).toHaveLength(0)
  })
})
