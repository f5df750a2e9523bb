import { randomUUID } from 'node:crypto'
import { OAuth2Server } from 'oauth2-mock-server'
import * as OTPAuth from 'otpauth'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { activityOf, database, onboard, request, sessionCookie, signUp } from '../support/http'
import { freePort, startServer, type TestServer } from '../support/server'

// A real OpenID Connect provider on loopback (discovery, JWKS, authorize, token, userinfo), and
// the app configured for it by environment.
let oidc: OAuth2Server
let app: TestServer
let identity: { sub: string, email: string, email_verified: boolean, name: string }

beforeAll(async () => {
  oidc = new OAuth2Server()
  await oidc.issuer.keys.generate('RS256')
  await oidc.start(await freePort(), '127.0.0.1')
  oidc.service.on('beforeTokenSigning', (token) => {
    Object.assign(token.payload, identity)
  })
  oidc.service.on('beforeUserinfo', (response) => {
    response.body = identity
  })
  app = await startServer({
    OIDC_ISSUER: oidc.issuer.url!, OIDC_CLIENT_ID: 'sessionkit', OIDC_CLIENT_SECRET: 'client secret', OIDC_NAME: 'Example SSO',
    GOOGLE_CLIENT_ID: 'test-client.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'google secret',
  })
})
afterAll(async () => {
  await app?.stop()
  await oidc?.stop()
})

const someone = (email = `sso-${randomUUID()}@example.com`) => ({ sub: randomUUID(), email, email_verified: true, name: 'Sso User' })

/** A browser's cookies: what responses set, sent back with the next request. */
class Jar {
  cookies = new Map<string, string>()
  constructor(cookie?: string) {
    if (cookie) this.add([cookie])
  }

  add(setCookies: string[]) {
    for (const c of setCookies) {
      const [pair] = c.split(';')
      const at = pair!.indexOf('=')
      const [name, value] = [pair!.slice(0, at), pair!.slice(at + 1)]
      if (value) this.cookies.set(name, value)
      else this.cookies.delete(name)
    }
  }

  get header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
}

/**
 * The redirect round trip: start at the app, follow the provider's authorize redirect, then load
 * the app's callback (optionally tampered with) as the browser would. Returns the callback's answer.
 */
async function roundTrip(path: string, body: object, jar = new Jar(), tamper?: (callback: URL) => Jar | undefined) {
  const started = await request(path, { base: app.url, method: 'POST', cookie: jar.header, body: JSON.stringify(body) })
  expect(started.status).toBe(200)
  jar.add(started.headers.getSetCookie())
  const { url } = await started.json() as { url: string }
  expect(url.startsWith(oidc.issuer.url!)).toBe(true)
  const authorize = await fetch(url, { redirect: 'manual' })
  const callback = new URL(authorize.headers.get('location')!)
  expect(callback.origin).toBe(app.url)
  // A tamper may also hand back the cookies of another browser to load the callback in.
  const browser = tamper?.(callback) ?? jar
  const back = await request(callback.pathname + callback.search, { base: app.url, cookie: browser.header })
  jar.add(back.headers.getSetCookie())
  return { back, location: back.headers.get('location') ?? '', jar, session: sessionCookie(back)?.match(/=.+/) ? sessionCookie(back) : undefined }
}
const signInWithOidc = (jar?: Jar, tamper?: (callback: URL) => Jar | undefined) =>
  roundTrip('/api/auth/sign-in/social', { provider: 'oidc', callbackURL: '/dashboard', errorCallbackURL: '/login' }, jar, tamper)
const me = async (cookie?: string) => {
  const response = await request('/api/me', { base: app.url, cookie })
  return response.status === 200 ? (await response.json()).data : null
}
const accountsOf = async (cookie: string) => await (await request('/api/auth/list-accounts', { base: app.url, cookie })).json() as { id: string, providerId: string }[]
const providersOf = async (cookie: string) => (await accountsOf(cookie)).map(a => a.providerId).sort()
const unlink = async (cookie: string, providerId: string) => {
  const account = (await accountsOf(cookie)).find(a => a.providerId === providerId)!
  return request('/api/auth/unlink-account', { base: app.url, method: 'POST', cookie, body: JSON.stringify({ accountId: account.id }) })
}

describe('OpenID Connect sign-in (OIDC_ISSUER)', () => {
  it('is offered on /login as "Continue with <OIDC_NAME>", beside "Continue with Google" when GOOGLE_CLIENT_ID is set; a server without them offers nothing', async () => {
    expect((await (await request('/api/providers', { base: app.url })).json()).data).toEqual([{ id: 'google', name: 'Google' }, { id: 'oidc', name: 'Example SSO' }])
    const login = await (await request('/login', { base: app.url })).text()
    expect(login).toContain('Continue with Example SSO')
    expect(login).toContain('Continue with Google')
    expect((await (await request('/api/providers')).json()).data).toEqual([])
    expect(await (await request('/login')).text()).not.toContain('Continue with')
  })

  it('"Continue with Google" leads to Google\'s consent page for this app, with PKCE and a state', async () => {
    const started = await request('/api/auth/sign-in/social', { base: app.url, method: 'POST', body: JSON.stringify({ provider: 'google', callbackURL: '/dashboard' }) })
    const url = new URL((await started.json()).url)
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth')
    expect(url.searchParams.get('client_id')).toBe('test-client.apps.googleusercontent.com')
    expect(url.searchParams.get('redirect_uri')).toBe(`${app.url}/api/auth/callback/google`)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('state')).toBeTruthy()
  })

  it('a new user completes the full redirect flow and arrives signed in, with the provider\'s email', async () => {
    identity = someone()
    const { back, location, session } = await signInWithOidc()
    expect(back.status).toBe(302)
    expect(location).toBe('/dashboard')
    const user = await me(session)
    expect(user).toMatchObject({ email: identity.email, name: 'Sso User' })
    expect(await providersOf(session!)).toEqual(['oidc'])
    // Recorded like any sign-up and sign-in, with the provider (not as a link).
    const audit = await database(sql => sql.all<{ type: string, detail: string, ipAddress: string }>('SELECT "type", "detail", "ipAddress" FROM "audit_event" WHERE "userId" = ? ORDER BY "createdAt", "id"', [user.id]), app.databaseUrl)
    expect(audit.map(e => [e.type, JSON.parse(e.detail).provider])).toEqual([['sign_up', 'oidc'], ['sign_in', 'oidc']])
    expect(audit[1]!.ipAddress).toMatch(/^10(\.\d+){3}$/)
  })

  it('a callback whose state does not match the one this browser started is refused: back to /login, no session', async () => {
    identity = someone()
    const { location, session } = await signInWithOidc(new Jar(), (callback) => {
      callback.searchParams.set('state', 'forged-state')
      return undefined
    })
    expect(new URL(location, app.url).pathname).toBe('/login')
    expect(new URL(location, app.url).searchParams.get('error')).toBe('state_mismatch')
    expect(session).toBeUndefined()
  })

  it('a callback loaded in another browser (without the state cookie of the one that started) is refused too', async () => {
    identity = someone()
    const { location, session } = await signInWithOidc(new Jar(), () => new Jar())
    expect(new URL(location, app.url).pathname).toBe('/login')
    expect(new URL(location, app.url).searchParams.get('error')).toBe('state_mismatch')
    expect(session).toBeUndefined()
  })

  it('denied consent at the provider: back to /login with access_denied, no session, no account', async () => {
    identity = someone()
    oidc.service.once('beforeAuthorizeRedirect', ({ url }) => {
      url.searchParams.delete('code')
      url.searchParams.set('error', 'access_denied')
    })
    const { location, session } = await signInWithOidc()
    expect(location).toBe('/login?error=access_denied')
    expect(session).toBeUndefined()
  })

  it('an existing account with the same verified email is never linked silently; its owner links it while signed in, then either way signs in', async () => {
    const owner = await signUp(app.url)
    identity = someone(owner.email)
    const refused = await signInWithOidc()
    expect(refused.location).toBe('/login?error=account_not_linked')
    expect(refused.session).toBeUndefined()
    expect(await providersOf(owner.cookie)).toEqual(['credential'])

    expect(await activityOf(owner.cookie, app.url)).not.toContain('account_linked')
    const linked = await roundTrip('/api/auth/link-social', { provider: 'oidc', callbackURL: '/account/security', errorCallbackURL: '/account/security' }, new Jar(owner.cookie))
    expect(linked.location).toBe('/account/security')
    expect(await providersOf(owner.cookie)).toEqual(['credential', 'oidc'])
    expect(await activityOf(owner.cookie, app.url)).toContain('account_linked')

    const signedIn = await signInWithOidc()
    expect(signedIn.location).toBe('/dashboard')
    expect((await me(signedIn.session)).id).toBe((await me(owner.cookie)).id)
    expect((await activityOf(owner.cookie, app.url))[0]).toBe('sign_in')

    // Disconnecting it: the provider no longer signs in to this account, the password still does.
    expect((await unlink(owner.cookie, 'oidc')).status).toBe(200)
    expect(await providersOf(owner.cookie)).toEqual(['credential'])
    expect(await activityOf(owner.cookie, app.url)).toContain('account_unlinked')
    expect((await signInWithOidc()).location).toBe('/login?error=account_not_linked')
  })

  it('the only way an account signs in cannot be disconnected, with a clear 400', async () => {
    identity = someone()
    const { session } = await signInWithOidc()
    // Connected accounts live on /account/security, past onboarding.
    await onboard(session!, app.url)
    const refused = await unlink(session!, 'oidc')
    expect(refused.status).toBe(400)
    expect(await refused.json()).toMatchObject({ code: 'FAILED_TO_UNLINK_LAST_ACCOUNT', message: 'This is the only way you can sign in to this account, so it cannot be disconnected.' })
    expect(await providersOf(session!)).toEqual(['oidc'])
  })

  it('an identity with another email cannot be linked to an account', async () => {
    const owner = await signUp(app.url)
    identity = someone()
    const { location } = await roundTrip('/api/auth/link-social', { provider: 'oidc', callbackURL: '/account/security', errorCallbackURL: '/account/security' }, new Jar(owner.cookie))
    expect(new URL(location, app.url).searchParams.get('error')).toBe('email_does_not_match')
    expect(await providersOf(owner.cookie)).toEqual(['credential'])
  })

  it('an account with two-factor on is asked for its code after the provider too: no session until then', async () => {
    const owner = await signUp(app.url)
    const auth = (path: string, body: object, cookie?: string) => request(path, { base: app.url, method: 'POST', cookie, body: JSON.stringify(body) })
    const enable = await auth('/api/auth/two-factor/enable', { password: owner.password }, owner.cookie)
    const totp = OTPAuth.URI.parse((await enable.json()).totpURI) as OTPAuth.TOTP
    const enrolled = await auth('/api/auth/two-factor/verify-totp', { code: totp.generate() }, sessionCookie(enable) ?? owner.cookie)
    const cookie = sessionCookie(enrolled)!
    identity = someone(owner.email)
    expect((await roundTrip('/api/auth/link-social', { provider: 'oidc', callbackURL: '/account/security', errorCallbackURL: '/account/security' }, new Jar(cookie))).location).toBe('/account/security')

    const { location, session, jar } = await signInWithOidc()
    expect(location).toBe('/login-2fa?redirect=%2Fdashboard')
    expect(session).toBeUndefined()
    expect((await request('/api/me', { base: app.url, cookie: jar.header })).status).toBe(401)
    const verified = await auth('/api/auth/two-factor/verify-totp', { code: totp.generate() }, jar.header)
    expect(verified.status).toBe(200)
    expect((await me(sessionCookie(verified))).id).toBe((await me(cookie)).id)
  })
})
