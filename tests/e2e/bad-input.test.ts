import { randomUUID } from 'node:crypto'
import { connect } from 'node:net'
import { describe, expect, it } from 'vitest'
import { clientAddress, COOKIE, database, rawRequest, request, signUp } from '../support/http'
import { startServer } from '../support/server'

const users = () => database(sql => sql.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM "user"')).then(([row]) => Number(row!.n))

/** A 4xx JSON error in the app's shape. */
async function expectJsonError(response: Response, status: number) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/application\/json/)
  expect(await response.json()).toMatchObject({ success: false, message: expect.any(String) })
}

describe('a malformed cookie or bearer', () => {
  it.each(['%', '%zz.x', 'abc%E0%A4%A.sig'])('cookie %j: no session, a clear 401, and a Set-Cookie that removes it', async (value) => {
    const cookie = `${COOKIE}=${value}`
    const me = await request('/api/me', { cookie })
    expect(me.headers.getSetCookie().find(c => c.startsWith(`${COOKIE}=;`))).toMatch(/Max-Age=0/)
    await expectJsonError(me, 401)
    expect(await (await request('/api/session', { cookie })).json()).toMatchObject({ success: true, data: null })
    expect((await request('/api/auth/get-session', { cookie })).status).toBe(200)
    // A page: the sign-in page, not an error page.
    const page = await request('/dashboard', { cookie })
    expect(page.status).toBe(302)
    expect(page.headers.get('location')).toMatch(/^\/login\?redirect=/)
  })

  it.each(['Bearer %zz.x', 'Bearer %', 'Bearer a.%E0'])('%j: a clear 401', async (authorization) => {
    await expectJsonError(await request('/api/me', { headers: { authorization } }), 401)
    expect((await request('/api/auth/token', { headers: { authorization } })).status).toBe(401)
  })
})

describe('bodies better-auth would not take as JSON', () => {
  const email = () => `encoding-${randomUUID()}@example.com`
  it.each([
    ['application/x-www-form-urlencoded', (e: string) => `name=X&email=${encodeURIComponent(e)}&password=correct+horse+battery`, 415],
    ['text/plain', (e: string) => JSON.stringify({ name: 'X', email: e, password: 'correct horse battery' }), 415],
    ['multipart/form-data; boundary=x', (e: string) => `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${e}\r\n--x--\r\n`, 415],
    ['application/json', (e: string) => `\uFEFF${JSON.stringify({ name: 'X', email: e, password: 'correct horse battery' })}`, 400],
    ['application/json', () => '{"name": "X", "email": ', 400],
    ['application/json', () => '["not", "an", "object"]', 400],
    ['application/json', () => 'null', 400],
  ])('sign-up as %s: a 4xx JSON answer, and no account is made', async (type, body, status) => {
    const before = await users()
    for (const path of ['/api/auth/sign-up/email', '/api/auth/sign-in/email']) {
      await expectJsonError(await request(path, { method: 'POST', headers: { 'content-type': type }, body: body(email()) }), status)
    }
    expect(await users()).toBe(before)
  })

  it('a body over 64 KiB gets 413, declared or streamed, before anything reads it', async () => {
    const big = JSON.stringify({ email: 'x@example.com', password: 'x'.repeat(70 * 1024) })
    await expectJsonError(await request('/api/auth/sign-in/email', { method: 'POST', body: big }), 413)
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 80; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)))
        controller.close()
      },
    })
    await expectJsonError(await request('/api/auth/sign-in/email', { method: 'POST', body: streamed, duplex: 'half' } as RequestInit), 413)
  })

  it('a body nested deeper than 16 levels: 400, however deep (once a 500 from a stack overflow)', async () => {
    const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
    for (const depth of [17, 10_500]) {
      const response = await request('/api/auth/sign-in/email', { method: 'POST', body: nested(depth) })
      expect(response.status, String(depth)).toBe(400)
      expect(await response.json(), String(depth)).toEqual({ success: false, message: 'The body is nested more than 16 levels deep.', code: 'INVALID_JSON' })
    }
    // Within the bound, the route's own schema answers.
    expect(await (await request('/api/auth/sign-in/email', { method: 'POST', body: nested(16) })).json()).toMatchObject({ success: false, message: expect.stringContaining('email') })
  })

  it('a client that goes away in the middle of its body: nobody else is refused, and no outage is logged', async () => {
    const app = await startServer()
    try {
      const { hostname, port } = new URL(app.url)
      /** A sign-in sent over a raw socket whose client resets the connection at once. */
      const hangUp = (rest: string) => new Promise<void>((resolve, reject) => {
        const socket = connect(Number(port), hostname, () => {
          socket.write(`POST /api/auth/sign-in/email HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n${rest}`)
          setImmediate(() => socket.resetAndDestroy())
        }).on('close', () => resolve()).on('error', reject)
      })
      for (let i = 0; i < 3; i++) await hangUp('Content-Length: 100\r\n\r\n{"email":')
      for (let i = 0; i < 3; i++) {
        const signIn = await request('/api/auth/sign-in/email', { base: app.url, ip: clientAddress(), method: 'POST', body: JSON.stringify({ email: `nobody-${randomUUID()}@example.com`, password: 'wrong password' }) })
        expect(signIn.status).toBe(401)
        // better-auth's refusal, in the shape of every API error here.
        expect(await signIn.json()).toMatchObject({ success: false, code: 'INVALID_EMAIL_OR_PASSWORD' })
      }
      expect(app.logs()).not.toMatch(/unavailable/)
      // Whole sign-ins whose clients hang up at once: each still gives up its account's turn, so
      // the account's next request is answered (it once waited for ever, or 10 s and then 429).
      const email = `hangs-up-${randomUUID()}@example.com`
      const body = JSON.stringify({ email, password: 'wrong password' })
      for (let i = 0; i < 3; i++) await hangUp(`X-Forwarded-For: ${clientAddress()}\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
      const next = await request('/api/auth/sign-in/email', { base: app.url, ip: clientAddress(), method: 'POST', body })
      expect(next.status).toBe(401)
      expect(await next.json()).not.toMatchObject({ message: expect.stringContaining('busy') })
    }
    finally {
      await app.stop()
    }
  })

  it('a body that fails its route\'s schema gets 400 naming the field, and changes nothing', async () => {
    const { cookie } = await signUp(undefined, undefined, { onboard: false })
    // One field wrong, the other right: the answer names the wrong one, and the right one is not saved either.
    const response = await request('/api/account/onboarding', { method: 'POST', cookie, body: JSON.stringify({ displayName: 'Valid Name', timeZone: 'Mars/Olympus' }) })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ success: false, message: 'timeZone: Choose a time zone from the list' })
    const me = await (await request('/api/me', { cookie })).json()
    expect(me.data).toMatchObject({ displayName: null, timeZone: null, onboardedAt: null })
  })
})

describe('methods and paths nobody declared', () => {
  it.each(['TRACE', 'PUT', 'PATCH'])('%s on better-auth\'s and our routes: 405 JSON with Allow', async (method) => {
    for (const [path, allow] of [['/api/auth/sign-in/email', 'POST'], ['/api/me', 'GET'], ['/api/auth/get-session', 'GET']] as const) {
      // fetch refuses to send TRACE at all; a plain socket does.
      const response = await rawRequest(path, { method })
      expect(response.headers.get('allow'), path).toBe(allow)
      await expectJsonError(response, 405)
    }
  })

  it('an unknown path under /api, or under /api/auth: 404 JSON', async () => {
    for (const path of ['/api/nothing', '/api/auth/nothing', '/api/auth/ok', '/api/auth/error', '/api/auth/account-info']) await expectJsonError(await request(path), 404)
  })

  it('a path in another spelling: 400, with JSON under /api', async () => {
    for (const path of ['/api/./me', '/api/auth/x/../get-session', '/api/%2e/session', '/api//me', '/api/auth/sign-in%2Femail']) {
      const response = await rawRequest(path)
      expect(response.status, path).toBe(400)
      expect(response.headers.get('content-type'), path).toMatch(/application\/json/)
      expect(await response.json(), path).toMatchObject({ success: false, code: 'NON_CANONICAL_PATH' })
    }
    expect((await rawRequest('/./dashboard')).status).toBe(400)
  })
})

describe('the NUL character (PostgreSQL\'s text refuses it)', () => {
  const refused = async (response: Response) => {
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ success: false, message: 'Text may not contain the NUL character (\\u0000).', code: 'INVALID_CHARACTER' })
  }

  it('in any string or key of a body, better-auth\'s routes and ours: 400, and nothing changes', async () => {
    const { cookie, email, password } = await signUp(undefined, undefined, { onboard: false })
    await refused(await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email: `${email}\u0000`, password }) }))
    const before = await users()
    await refused(await request('/api/auth/sign-up/email', { method: 'POST', body: JSON.stringify({ name: 'Nul\u0000', email: `nul-${randomUUID()}@example.com`, password }) }))
    expect(await users()).toBe(before)
    await refused(await request('/api/account/onboarding', { method: 'POST', cookie, body: JSON.stringify({ displayName: 'Ada\u0000', timeZone: 'UTC' }) }))
    await refused(await request('/api/account/onboarding', { method: 'POST', cookie, body: JSON.stringify({ displayName: 'Ada', timeZone: 'UTC', ['x\u0000']: 1 }) }))
    const me = await (await request('/api/me', { cookie })).json()
    expect(me.data).toMatchObject({ displayName: null, onboardedAt: null })
    // The same address and password, without the NUL, still sign in.
    expect((await request('/api/auth/sign-in/email', { method: 'POST', body: JSON.stringify({ email, password }) })).status).toBe(200)
  })

  it('in a query: 400', async () => {
    await refused(await request('/api/auth/callback/google?state=a%00b&code=x'))
  })
})

describe('HEAD', () => {
  it('answers as GET does, without a body', async () => {
    const { cookie } = await signUp()
    for (const [path, status, withCookie] of [['/api/session', 200, true], ['/api/auth/jwks', 200, false], ['/api/me', 401, false], ['/api/me', 200, true]] as const) {
      const response = await request(path, { method: 'HEAD', cookie: withCookie ? cookie : undefined })
      expect(response.status, path).toBe(status)
      expect(response.headers.get('content-type'), path).toMatch(/application\/json/)
      expect(await response.text(), path).toBe('')
    }
  })
})
