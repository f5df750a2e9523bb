import { mountSuspended, registerEndpoint } from '@nuxt/test-utils/runtime'
import { flushPromises } from '@vue/test-utils'
import { readBody, setResponseStatus } from 'h3'
import { beforeEach, describe, expect, it } from 'vitest'
import { defineComponent, h } from 'vue'

const user = {
  id: 'u1', email: 'grace@example.com', name: 'Grace', emailVerified: true, image: null, role: 'user',
  displayName: 'Grace H.', timeZone: 'America/New_York', onboardedAt: '2026-01-02T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z',
}
let server: { session: boolean, ended: string | null, signOuts: number, signIns: number, twoFactor?: boolean } = { session: false, ended: null, signOuts: 0, signIns: 0 }

registerEndpoint('/api/session', () => ({
  success: true,
  data: server.session ? { user, session: { id: 's1', expiresAt: '2026-02-01T00:00:00.000Z' } } : null,
  ended: server.session ? null : server.ended,
}))
registerEndpoint('/api/auth/sign-out', {
  method: 'POST',
  handler: () => {
    server.signOuts++
    server.session = false
    return { success: true }
  },
})
registerEndpoint('/api/auth/sign-in/email', {
  method: 'POST',
  handler: (event) => {
    server.signIns++
    // The right password of an account with two-factor on: better-auth asks for the second factor.
    if (server.twoFactor) return { twoFactorRedirect: true, twoFactorMethods: ['totp'] }
    setResponseStatus(event, 401)
    return { code: 'INVALID_EMAIL_OR_PASSWORD', message: 'Invalid email or password' }
  },
})

// better-auth refusing an action: it needs a fresh sign-in, or it is refused with a reason.
registerEndpoint('/api/auth/unlink-account', {
  method: 'POST',
  handler: async (event) => {
    const { accountId } = await readBody<{ accountId: string }>(event)
    setResponseStatus(event, accountId === 'stale' ? 403 : 400)
    return accountId === 'stale'
      ? { code: 'SESSION_NOT_FRESH', message: 'Session is not fresh' }
      : { code: 'FAILED_TO_UNLINK_LAST_ACCOUNT', message: 'You cannot unlink your last account' }
  },
})

// A 401 of our own API (with why the session ended), and one of better-auth's (a wrong password).
registerEndpoint('/api/probe', (event) => {
  setResponseStatus(event, 401)
  return { success: false, message: 'Authentication required', ended: 'revoked' }
})
registerEndpoint('/api/auth/probe', (event) => {
  setResponseStatus(event, 401)
  return { code: 'INVALID_PASSWORD', message: 'Invalid password' }
})

/** Two unrelated components that each call useAuth(), as a header and a page would. */
const Header = defineComponent({
  setup: () => {
    const { user, loggedIn } = useAuth()
    return () => h('header', loggedIn.value ? `Signed in as ${user.value?.displayName}` : 'Signed out')
  },
})
const Page = defineComponent({
  setup: () => {
    const { session, endReason } = useAuth()
    return () => h('main', session.value ? `Session ${session.value.id}` : `No session (${endReason.value ?? 'no reason'})`)
  },
})

describe('useAuth()', () => {
  beforeEach(async () => {
    server = { session: true, ended: null, signOuts: 0, signIns: 0 }
    useAuth().endReason.value = null
    await useAuth().fetchSession()
  })

  it('shares one state between components: a fetch in one shows in every other', async () => {
    const header = await mountSuspended(Header)
    const page = await mountSuspended(Page)
    expect(header.text()).toBe('Signed in as Grace H.')
    expect(page.text()).toBe('Session s1')

    server.session = false
    server.ended = 'revoked'
    await useAuth().refreshSession()
    await flushPromises()
    expect(header.text()).toBe('Signed out')
    expect(page.text()).toBe('No session (revoked)')
  })

  it('is loading while the session is fetched', async () => {
    const auth = useAuth()
    const pending = auth.fetchSession()
    expect(auth.loading.value).toBe(true)
    await pending
    expect(auth.loading.value).toBe(false)
  })

  it('signOut ends the session on the server, clears the state everywhere and tells the other tabs', async () => {
    const header = await mountSuspended(Header)
    const heard: unknown[] = []
    const otherTab = new BroadcastChannel('auth:session')
    otherTab.onmessage = (event: MessageEvent) => heard.push(event.data)

    await useAuth().signOut()
    await flushPromises()
    expect(server.signOuts).toBe(1)
    expect(useAuth().loggedIn.value).toBe(false)
    expect(header.text()).toBe('Signed out')
    await expect.poll(() => heard).toEqual([expect.objectContaining({ type: 'signed-out' })])
    otherTab.close()
  })

  it('signIn throws an Error with the server\'s readable message and keeps the state as it was', async () => {
    await useAuth().signOut()
    await expect(useAuth().signIn({ email: 'grace@example.com', password: 'wrong' })).rejects.toThrow('Invalid email or password')
    expect(useAuth().loggedIn.value).toBe(false)
  })

  it('signIn refuses malformed input before sending anything', async () => {
    await expect(useAuth().signIn({ email: 'not an email', password: '' })).rejects.toThrow()
    expect(server.signIns).toBe(0)
    // The same call with well-formed input does reach the server (and is refused there).
    await expect(useAuth().signIn({ email: 'grace@example.com', password: 'wrong password' })).rejects.toThrow('Invalid email or password')
    expect(server.signIns).toBe(1)
  })
})

describe('better-auth\'s client (plugins/auth-client.ts)', () => {
  beforeEach(async () => {
    server = { session: false, ended: null, signOuts: 0, signIns: 0 }
    await useAuth().fetchSession()
  })

  it('signIn of an account with two-factor on answers "two-factor" and is not signed in yet', async () => {
    server.twoFactor = true
    await expect(useAuth().signIn({ email: 'grace@example.com', password: 'right password' })).resolves.toBe('two-factor')
    expect(server.signIns).toBe(1)
    expect(useAuth().loggedIn.value).toBe(false)
  })

  it('its refusals reach useAction as $api\'s do: "confirm your password" waits for it, any other shows the server\'s message', async () => {
    const client = useAuthClient()
    const stale = useAction()
    await stale.run('unlink', () => client.unlinkAccount({ accountId: 'stale' }), 'Disconnected.')
    expect(stale.awaitingReauth.value).toBeTypeOf('function')
    expect(stale.failure.value).toBe('')

    const refused = useAction()
    await refused.run('unlink', () => client.unlinkAccount({ accountId: 'last' }), 'Disconnected.')
    expect(refused.awaitingReauth.value).toBeNull()
    expect(refused.failure.value).toBe('You cannot unlink your last account')
    expect(refused.notice.value).toBe('')
  })
})

describe('$api (plugins/api.ts)', () => {
  beforeEach(async () => {
    server = { session: true, ended: null, signOuts: 0, signIns: 0 }
    await useAuth().fetchSession()
  })

  it('a 401 from better-auth\'s routes keeps the session; one from our API ends it, with its reason, in every tab', async () => {
    const heard: unknown[] = []
    const otherTab = new BroadcastChannel('auth:session')
    otherTab.onmessage = (event: MessageEvent) => heard.push(event.data)
    const api = useApi()

    await expect(api('/api/auth/probe')).rejects.toThrow()
    await flushPromises()
    expect(useAuth().loggedIn.value).toBe(true)

    await expect(api('/api/probe')).rejects.toThrow()
    await expect.poll(() => useAuth().loggedIn.value).toBe(false)
    await expect.poll(() => heard).toEqual([expect.objectContaining({ type: 'signed-out', reason: 'revoked' })])
    otherTab.close()
  })
})
