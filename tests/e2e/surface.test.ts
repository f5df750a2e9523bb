import { randomUUID } from 'node:crypto'
import { betterAuth } from 'better-auth'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { admin, bearer, emailOTP, genericOAuth, jwt, openAPI, twoFactor } from 'better-auth/plugins'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CALLER_TEXT, ROUTES, routesFor } from '../../server/auth/route-table'
import { adminCookie, clientAddress, createAdmin, database, rawRequest, request, sessionCookie, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

// A production server with everything on: mail (a real SMTP server), limits, a trusted proxy.
let app: TestServer
let mailbox: TestMailbox
const ADMIN = `surface-admin-${randomUUID()}@example.com`
beforeAll(async () => {
  mailbox = await startMailbox()
  app = await startServer({ SMTP_URL: mailbox.url })
  await createAdmin(app.url, app.databaseUrl, ADMIN)
})
afterAll(async () => {
  await app?.stop()
  await mailbox?.close()
})

const call = (method: string, path: string, init: { body?: unknown, cookie?: string, ip?: string, headers?: Record<string, string> } = {}) => request(path, {
  base: app.url, method, cookie: init.cookie, ip: init.ip, headers: init.headers,
  body: init.body === undefined ? undefined : JSON.stringify(init.body),
})
const post = (path: string, body: unknown, cookie?: string, ip?: string) => call('POST', path, { body, cookie, ip })

/** Every endpoint better-auth 1.7 routes with the plugins this app uses (built here, outside the app). */
function betterAuthEndpoints(): { method: string, path: string }[] {
  const auth = betterAuth({
    baseURL: 'http://localhost:3000', basePath: '/api/auth', secret: 'contract-test-secret-contract-test-secret', database: memoryAdapter({}), logger: { disabled: true },
    emailAndPassword: { enabled: true, sendResetPassword: async () => {} }, emailVerification: { sendVerificationEmail: async () => {} },
    user: { deleteUser: { enabled: true } }, socialProviders: { google: { clientId: 'a', clientSecret: 'b' } },
    plugins: [openAPI(), bearer(), genericOAuth({ config: [] }), twoFactor(), emailOTP({ sendVerificationOTP: async () => {} }), admin(), jwt()],
  })
  return Object.values(auth.api).flatMap((endpoint) => {
    const { path, options } = endpoint as { path?: string, options?: { method?: string | string[], metadata?: { SERVER_ONLY?: boolean } } }
    if (!path || options?.metadata?.SERVER_ONLY) return []
    return [options?.method ?? 'GET'].flat().map(method => ({ method, path: `/api/auth${path.replace(/:(\w+)/g, '{$1}')}` }))
  })
}

describe('one route table: nothing answers that is not declared', () => {
  it('of better-auth\'s endpoints, the declared ones answer and every other one is 404 (405 for another method of a declared path)', async () => {
    const user = await signUp(app.url)
    const endpoints = betterAuthEndpoints()
    const declared = new Set(ROUTES.map(r => `${r.method} ${r.path}`))
    const declaredPaths = new Set(ROUTES.map(r => r.path))
    const answering: string[] = []
    for (const { method, path } of endpoints) {
      const response = await call(method, path.replace(/\{\w+\}/g, 'x'), { cookie: user.cookie, body: method === 'GET' ? undefined : {} })
      const key = `${method} ${path}`
      if (declared.has(key)) {
        // It answers (with whatever an empty body earns it), and never with a fault of ours.
        expect([404, 405], key).not.toContain(response.status)
        expect(response.status, key).toBeLessThan(500)
        answering.push(key)
      }
      else {
        expect(response.status, key).toBe(declaredPaths.has(path) ? 405 : 404)
        expect(await response.json(), key).toMatchObject({ success: false })
      }
    }
    // Every better-auth route of the table is one better-auth really has.
    expect(ROUTES.filter(r => r.path.startsWith('/api/auth/')).map(r => `${r.method} ${r.path}`).filter(k => !endpoints.some(e => `${e.method} ${e.path}` === k))).toEqual([])
    console.info(`better-auth endpoints: ${endpoints.length} routed before the table, ${answering.length} answer now`)
    expect(answering.length).toBeLessThan(endpoints.length / 2)
  })

  it.each([
    ['POST', '/api/auth/email-otp/request-password-reset', { email: 'x@example.com' }],
    ['POST', '/api/auth/forget-password/email-otp', { email: 'x@example.com' }],
    ['POST', '/api/auth/email-otp/reset-password', { email: 'x@example.com', otp: '123456', password: 'new password 123' }],
    ['POST', '/api/auth/email-otp/check-verification-otp', { email: 'x@example.com', otp: '123456', type: 'sign-in' }],
    ['POST', '/api/auth/delete-user', {}],
    ['POST', '/api/auth/revoke-other-sessions', {}],
    ['POST', '/api/auth/revoke-sessions', {}],
    ['POST', '/api/auth/revoke-session', { token: 'x' }],
    ['POST', '/api/auth/change-password', { currentPassword: 'a', newPassword: 'b' }],
    ['POST', '/api/auth/update-user', { name: 'x' }],
    ['GET', '/api/auth/list-sessions', undefined],
    ['POST', '/api/auth/admin/impersonate-user', { userId: 'x' }],
    ['POST', '/api/auth/admin/list-user-sessions', { userId: 'x' }],
    ['GET', '/api/auth/open-api/generate-schema', undefined],
  ])('%s %s, a flow the product does not offer, is off: 404 for a signed-in administrator', async (method, path, body) => {
    const response = await call(method, path, { cookie: await adminCookie(app.url, ADMIN), body })
    expect(response.status).toBe(404)
  })
})

describe('canonical paths first', () => {
  const variants = (path: string) => {
    const [head, tail] = [path.slice(0, path.lastIndexOf('/')), path.slice(path.lastIndexOf('/') + 1)]
    return [`${head}/./${tail}`, `/api/auth/x/..${path.slice('/api/auth'.length)}`, `${head}/x/%2e%2e/${tail}`, `${head}/%2E/${tail}`, `${head}//${tail}`, `${head}%2f${tail}`]
  }

  it('sign-in by another spelling is refused before better-auth sees it, so the account lock cannot be skipped', async () => {
    const { email, password } = await signUp(app.url)
    for (const path of variants('/api/auth/sign-in/email')) {
      const response = await rawRequest(path, { base: app.url, method: 'POST', body: JSON.stringify({ email, password: 'wrong password' }) })
      expect(response.status, path).toBe(400)
      expect(await response.json(), path).toMatchObject({ success: false, code: 'NON_CANONICAL_PATH' })
    }
    for (let i = 0; i < 5; i++) expect((await post('/api/auth/sign-in/email', { email, password: 'wrong password' })).status).toBe(401)
    for (const path of variants('/api/auth/sign-in/email')) {
      expect((await rawRequest(path, { base: app.url, method: 'POST', body: JSON.stringify({ email, password }) })).status, path).toBe(400)
    }
    expect((await post('/api/auth/sign-in/email', { email, password })).status).toBe(429)
  })

  it('mail requests and the schema generator by another spelling are refused too: no mail goes out', async () => {
    const { email } = await signUp(app.url)
    for (const path of [...variants('/api/auth/request-password-reset'), ...variants('/api/auth/email-otp/send-verification-otp')]) {
      expect((await rawRequest(path, { base: app.url, method: 'POST', body: JSON.stringify({ email, type: 'sign-in' }) })).status, path).toBe(400)
    }
    for (const path of variants('/api/auth/open-api/generate-schema')) expect((await rawRequest(path, { base: app.url })).status, path).toBe(400)
    // A reset asked for the one right way goes out after anything those could have sent: when it
    // has arrived, the mailbox holds the sign-up's confirmation and that reset, nothing else.
    await mailbox.link(email, 'Confirm your email address')
    expect((await post('/api/auth/request-password-reset', { email })).status).toBe(200)
    await mailbox.link(email, 'Reset your password')
    expect(mailbox.to(email).map(m => m.subject)).toEqual(['Confirm your email address', 'Reset your password'])
  })
})

describe('the password rule holds on every route that deletes an account', () => {
  it('deleting an account needs its password, on every route', async () => {
    const user = await signUp(app.url)
    expect((await post('/api/auth/delete-user', {}, user.cookie)).status).toBe(404)
    const bare = await post('/api/account/delete', {}, user.cookie)
    expect(bare.status).toBe(400)
    expect((await call('GET', '/api/me', { cookie: user.cookie })).status).toBe(200)
  })
})

describe('every guessed secret is limited per account and per client address', () => {
  it.each([
    ['/api/sessions/reauthenticate', (p: string) => ({ password: p })],
    ['/api/account/password', (p: string) => ({ currentPassword: p, newPassword: 'a brand new password' })],
    ['/api/account/delete', (p: string) => ({ password: p })],
    ['/api/auth/two-factor/enable', (p: string) => ({ password: p })],
  ])('%s: 5 wrong passwords, then even the right one gets 429 with Retry-After, saying what still works', async (path, body) => {
    const user = await signUp(app.url)
    for (let i = 0; i < 5; i++) expect((await post(path, body('wrong password'), user.cookie)).status).toBeGreaterThanOrEqual(400)
    const limited = await post(path, body(user.password), user.cookie)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(800)
    expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringContaining('reset your password by email') })
    // One budget per account: password sign-in is locked too, and says the emailed code still works.
    const signIn = await post('/api/auth/sign-in/email', { email: user.email, password: user.password })
    expect(signIn.status).toBe(429)
    expect((await signIn.json()).message).toContain('sign in with a code by email')
    expect((await call('GET', '/api/me', { cookie: user.cookie })).status).toBe(200)
  })

  it('from one client address: 3 sign-in attempts per 10 s, whatever accounts they name', async () => {
    const ip = clientAddress()
    for (let i = 0; i < 3; i++) expect((await post('/api/auth/sign-in/email', { email: `nobody-${i}@example.com`, password: 'wrong password' }, undefined, ip)).status).toBe(401)
    const nobody = `nobody-${randomUUID()}@example.com`
    const limited = await post('/api/auth/sign-in/email', { email: nobody, password: 'wrong password' }, undefined, ip)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(10)
    // Another client is not affected.
    expect((await post('/api/auth/sign-in/email', { email: nobody, password: 'wrong password' })).status).toBe(401)
  })
})

describe('known and unknown addresses get the same answers', () => {
  it('a sign-in code: the same statuses and bodies for 4 wrong tries after asking for one', async () => {
    const known = await signUp(app.url)
    const unknown = `nobody-${randomUUID()}@example.com`
    const answers = async (email: string) => {
      const asked = await post('/api/auth/email-otp/send-verification-otp', { email, type: 'sign-in' })
      const tries = []
      for (let i = 0; i < 4; i++) {
        const response = await post('/api/auth/sign-in/email-otp', { email, otp: String(100000 + i) })
        tries.push([response.status, await response.json()])
      }
      return { asked: [asked.status, await asked.json()], tries }
    }
    const [a, b] = [await answers(known.email), await answers(unknown)]
    expect(a).toEqual(b)
    expect(a.tries.map(([status]) => status)).toEqual([400, 400, 400, 403])
  })
})

describe('no session token in any body', () => {
  it('walking every GET route of the table and the routes that answer sessions, as a user and as an administrator', async () => {
    const user = await signUp(app.url)
    const adminSession = await adminCookie(app.url, ADMIN)
    const bodies: [string, string][] = []
    const record = async (label: string, response: Response) => {
      bodies.push([label, await response.text()])
      expect(response.headers.get('set-auth-token'), `${label}: a browser page of this site never gets set-auth-token`).toBeNull()
    }
    const [userId] = await database(sql => sql.all<{ id: string }>('SELECT "id" FROM "user" WHERE "email" = ?', [user.email]), app.databaseUrl)
    for (const cookie of [user.cookie, adminSession]) {
      for (const route of ROUTES.filter(r => r.method === 'GET')) {
        await record(route.path, await call('GET', route.path.replace('{id}', userId!.id).replace('{mode}', 'fast'), { cookie }))
      }
      await record('admin list-users', await call('GET', '/api/admin/users', { cookie }))
    }
    await record('sign-in', await post('/api/auth/sign-in/email', { email: user.email, password: user.password }))
    await record('sign-up', await post('/api/auth/sign-up/email', { name: 'Walker', email: `walker-${randomUUID()}@example.com`, password: 'correct horse battery' }))
    await record('admin sign-in', await post('/api/auth/sign-in/email', { email: ADMIN, password: 'administrator passphrase' }))
    const tokens = await database(sql => sql.all<{ token: string }>('SELECT "token" FROM "session"'), app.databaseUrl)
    expect(tokens.length).toBeGreaterThan(3)
    for (const [label, body] of bodies) {
      for (const { token } of tokens) expect(body.includes(token), `${label} carries a live session token`).toBe(false)
    }
    // API clients (no Origin) still get theirs, in the header only.
    const api = await rawRequest('/api/auth/sign-in/email', { base: app.url, method: 'POST', headers: { origin: '' }, body: JSON.stringify({ email: user.email, password: user.password }) })
    expect(api.status).toBe(200)
    expect(api.headers.get('set-auth-token')).toMatch(/\./)
  })
})

describe('the caller classes the table declares', () => {
  it('each route answers 401 without a session where one is needed, and 403 to a user where an administrator is', async () => {
    const user = await signUp(app.url)
    const anonymous: Record<string, number> = {}
    const asUser: Record<string, number> = {}
    for (const route of ROUTES.filter(r => ['session', 'onboarded', 'fresh', 'admin'].includes(r.caller))) {
      const path = route.path.replace('{id}', 'x')
      const body = route.method === 'GET' ? undefined : {}
      anonymous[`${route.method} ${route.path}`] = (await call(route.method, path, { body })).status
      if (route.caller === 'admin') asUser[`${route.method} ${route.path}`] = (await call(route.method, path, { body, cookie: user.cookie })).status
    }
    for (const [key, status] of Object.entries(anonymous)) expect(status, key).toBe(401)
    for (const [key, status] of Object.entries(asUser)) expect(status, key).toBe(403)
    expect(Object.keys(asUser).length).toBeGreaterThan(10)
    console.info(`caller classes: ${Object.entries(CALLER_TEXT).map(([caller]) => `${caller} ${ROUTES.filter(r => r.caller === caller).length}`).join(', ')}`)
    expect(routesFor('/api/nothing')).toEqual([])
    expect((await call('GET', '/api/nothing')).status).toBe(404)
  })
})

describe('the client address is the nearest one no trusted proxy added', () => {
  it('behind loopback as the trusted proxy: a prepended address is ignored, and so is anything that is not an address', async () => {
    const cases: [string, string][] = [
      ['6.6.6.6, 203.0.113.50', '203.0.113.50'], ['SUPPORT-NOTICE: call +1-555-0100', '127.0.0.1'], ['203.0.113.51, <b>hi</b>', '203.0.113.51'],
      // An IPv6 zone id is free text after the %; and one address has one spelling, for the limits too.
      ['fe80::1%evil.example.com', '127.0.0.1'], ['2001:DB8:0:0::1', '2001:db8::1'],
    ]
    for (const [forwarded, expected] of cases) {
      const { email } = await signUp(app.url, undefined, { onboard: false, ip: forwarded })
      const rows = await database(sql => sql.all<{ ipAddress: string }>('SELECT "ipAddress" FROM "audit_event" WHERE "email" = ?', [email]), app.databaseUrl)
      expect(rows.map(r => r.ipAddress), forwarded).toEqual([expected])
    }
  })
})

describe('no redirect leaves the site', () => {
  it.each(['https://evil.com', '//evil.com', '/.//evil.com', '/x/..//evil.com', '/%2e//evil.com', '/\\evil.com', 'javascript:alert(1)'])('%j as callbackURL or errorCallbackURL: 400 before anything starts', async (target) => {
    const user = await signUp(app.url)
    for (const [path, field] of [['/api/auth/sign-in/social', 'errorCallbackURL'], ['/api/auth/sign-in/social', 'callbackURL'], ['/api/auth/link-social', 'callbackURL'], ['/api/auth/request-password-reset', 'redirectTo']] as const) {
      const response = await post(path, { provider: 'google', email: user.email, [field]: target }, user.cookie)
      expect(response.status, `${path} ${field}`).toBe(400)
      expect(await response.json()).toMatchObject({ code: 'INVALID_REDIRECT' })
    }
  })
})

describe('one request names one session, the one better-auth acts on', () => {
  /** A victim whose sign-in is two days old (not fresh), with a second device, and an attacker's fresh session. */
  async function victimAndAttacker() {
    const victim = await signUp(app.url)
    const device = sessionCookie(await post('/api/auth/sign-in/email', { email: victim.email, password: victim.password }))!
    await database(sql => sql.run('UPDATE "session" SET "createdAt" = ? WHERE "userId" = (SELECT "id" FROM "user" WHERE "email" = ?)', [new Date(Date.now() - 2 * 86400_000), victim.email]), app.databaseUrl)
    const attacker = await signUp(app.url)
    // The attacker's session, checked (and so cached) on its own first.
    expect((await call('GET', '/api/me', { cookie: attacker.cookie })).status).toBe(200)
    return { victim, device, attacker, value: (cookie: string) => cookie.slice(cookie.indexOf('=') + 1) }
  }

  it('the session cookie twice, or a cookie and a bearer: 400, and nothing is done', async () => {
    const { victim, device, attacker, value } = await victimAndAttacker()
    // Every parser trims names and values and unquotes values: so must the count.
    const spaced = (cookie: string, gap: string) => cookie.replace('=', `${gap}=${gap}`)
    const spellings = [
      { cookie: `${victim.cookie}; ${attacker.cookie}` },
      { cookie: `${attacker.cookie}; ${victim.cookie}` },
      { cookie: `${victim.cookie}; ${spaced(attacker.cookie, ' ')}` },
      { cookie: `${victim.cookie};\t${spaced(attacker.cookie, '\t')}` },
      { cookie: `${victim.cookie}; better-auth.session_token="${value(attacker.cookie)}"` },
      { cookie: attacker.cookie, headers: { authorization: `Bearer ${decodeURIComponent(value(victim.cookie))}` } },
      { cookie: spaced(attacker.cookie, ' '), headers: { authorization: `bearer   ${decodeURIComponent(value(victim.cookie))}` } },
      { cookie: victim.cookie, headers: { authorization: `Bearer ${decodeURIComponent(value(attacker.cookie))}` } },
    ]
    for (const spelling of spellings) {
      // The attacker's own session is answered from the cache right before, as in an attack.
      expect((await call('GET', '/api/me', { cookie: attacker.cookie })).status).toBe(200)
      const response = await call('POST', '/api/sessions/revoke-others', { ...spelling, body: {} })
      expect(response.status, JSON.stringify(spelling)).toBe(400)
      expect(await response.json()).toMatchObject({ code: 'AMBIGUOUS_CREDENTIALS' })
    }
    expect((await call('GET', '/api/me', { cookie: device })).status).toBe(200)
  })

  it('a session cookie under a name this server does not use is ignored: the checks and the action both see the same session', async () => {
    const { victim, device, attacker, value } = await victimAndAttacker()
    const mixed = `${victim.cookie}; __Secure-better-auth.session_token=${value(attacker.cookie)}; better-auth-session_token=${value(attacker.cookie)}`
    const revoke = await call('POST', '/api/sessions/revoke-others', { cookie: mixed, body: {} })
    expect(revoke.status).toBe(403) // the victim's old sign-in, not the attacker's fresh one
    expect(await revoke.json()).toMatchObject({ code: 'REAUTH_REQUIRED' })
    expect((await call('GET', '/api/me', { cookie: device })).status).toBe(200)
    // Guesses at the victim's password count against the victim's account.
    for (let i = 0; i < 5; i++) expect((await post('/api/sessions/reauthenticate', { password: 'a guess' }, mixed)).status).toBe(403)
    expect((await post('/api/sessions/reauthenticate', { password: victim.password }, victim.cookie)).status).toBe(429)
  })
})

describe('odd requests that once answered 500', () => {
  it('a Host header that is not a host name: 400 JSON', async () => {
    for (const host of ['[', 'a b', '%', 'a:99999x', 'a@b']) {
      const response = await rawRequest('/api/auth/get-session', { base: app.url, headers: { host } })
      expect(response.status, host).toBe(400)
      expect(await response.json(), host).toMatchObject({ code: 'INVALID_HOST' })
    }
  })

  it('an escape of a plain character in a path parameter is another spelling: 400', async () => {
    const user = await signUp(app.url)
    const [row] = await database(sql => sql.all<{ id: string }>('SELECT s."id" FROM "session" s JOIN "user" u ON u."id" = s."userId" WHERE u."email" = ?', [user.email]), app.databaseUrl)
    const spelled = `%${row!.id.charCodeAt(0).toString(16)}${row!.id.slice(1)}`
    expect((await rawRequest(`/api/sessions/${spelled}`, { base: app.url, method: 'DELETE', cookie: user.cookie })).status).toBe(400)
    expect((await call('GET', '/api/me', { cookie: user.cookie })).status).toBe(200)
  })

  it('an absolute-form request target, //api/ or an escaped /api/ gets JSON too, and /API/ our 404', async () => {
    for (const target of [`${app.url}/api/./me`, '//api/me', '/%61pi/me']) {
      const response = await rawRequest(target, { base: app.url })
      expect(response.status, target).toBe(400)
      expect(await response.json(), target).toMatchObject({ code: 'NON_CANONICAL_PATH' })
    }
    const upper = await rawRequest('/API/me', { base: app.url })
    expect(upper.status).toBe(404)
    expect(await upper.json()).toEqual({ success: false, message: 'Not found' })
  })

  it('a ban of a century and more: 400, not a date the database cannot hold', async () => {
    const user = await signUp(app.url)
    const [target] = await database(sql => sql.all<{ id: string }>('SELECT "id" FROM "user" WHERE "email" = ?', [user.email]), app.databaseUrl)
    const response = await post('/api/auth/admin/ban-user', { userId: target!.id, banExpiresIn: 8_640_000_000_000 }, await adminCookie(app.url, ADMIN))
    expect(response.status).toBe(400)
    expect((await call('GET', '/api/me', { cookie: user.cookie })).status).toBe(200)
  })

  it('a streamed body over the limit: 413, and the server logs no error', async () => {
    const before = app.logs().length
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 100; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)))
        controller.close()
      },
    })
    const response = await request('/api/auth/sign-in/email', { base: app.url, method: 'POST', body: streamed, duplex: 'half' } as RequestInit)
    expect(response.status).toBe(413)
    expect((await call('GET', '/api/session')).status).toBe(200)
    expect(app.logs().slice(before)).not.toMatch(/uncaught|TypeError/i)
  })
})
