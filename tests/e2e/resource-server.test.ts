import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes, randomUUID } from 'node:crypto'
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTokenFetch } from '../../packages/token-client'
import { adminCookie, createAdmin, request, signUp } from '../support/http'
import { type ClockServer, freePort, rootDir, startClockServer } from '../support/server'

// examples/resource-server beside the app: it knows the app only by its URL and the key of the
// revocation list.
const KEY = randomBytes(32).toString('base64url')
const ADMIN = `rs-admin-${randomUUID()}@example.com`
let app: ClockServer
const servers: ChildProcess[] = []

/** Starts the example resource server with `env` and waits until it answers (and, unless told, has the revocation list). */
async function resourceServer(env: Record<string, string> = {}, { waitForList = true } = {}) {
  const port = await freePort()
  const child = spawn(process.execPath, ['node_modules/jiti/lib/jiti-cli.mjs', 'examples/resource-server/server.ts'], {
    cwd: rootDir,
    env: { PATH: process.env.PATH, APP_URL: app.url, PORT: String(port), REVOCATION_LIST_KEY: KEY, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout!.on('data', (chunk: Buffer) => output += chunk)
  child.stderr!.on('data', (chunk: Buffer) => output += chunk)
  servers.push(child)
  const url = `http://127.0.0.1:${port}`
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const health = await fetch(`${url}/health`).then(r => r.json(), () => undefined) as { revocationsAge: number | null } | undefined
    if (health && (!waitForList || health.revocationsAge !== null)) return url
    await new Promise(resolve => setTimeout(resolve, 100))
  }
  throw new Error(`resource server did not start:\n${output}`)
}

const hello = (url: string, token: string) => fetch(`${url}/api/hello`, { headers: { authorization: `Bearer ${token}` } })
const jwtOf = async (cookie: string) => (await (await request('/api/auth/token', { base: app.url, cookie })).json()).token as string
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

let rs: string
beforeAll(async () => {
  app = await startClockServer({ REVOCATION_LIST_KEY: KEY })
  rs = await resourceServer()
}, 60_000)
afterAll(async () => {
  for (const child of servers) child.kill('SIGTERM')
  await app?.stop()
})

describe('a resource server that verifies JWTs with the app\'s JWKS and no database', () => {
  it('accepts a valid token', async () => {
    const { cookie } = await signUp(app.url)
    const me = (await (await request('/api/me', { base: app.url, cookie })).json()).data
    const response = await hello(rs, await jwtOf(cookie))
    expect(response.status).toBe(200)
    expect((await response.json()).data).toEqual({ user: me.id, role: 'user' })
  })

  it('refuses an expired token, a wrong audience and a wrong issuer', async () => {
    const { cookie } = await signUp(app.url)
    app.setClock(-1000) // issued "1000 s ago": expired 100 s ago
    const expired = await jwtOf(cookie)
    app.setClock(0)
    expect((await hello(rs, expired)).status).toBe(401)
    expect((await (await hello(rs, expired)).json()).message).toBe('The token has expired')

    const token = await jwtOf(cookie)
    expect((await hello(rs, token)).status).toBe(200)
    const otherAudience = await resourceServer({ JWT_AUDIENCE: 'https://api.other.example' })
    expect((await hello(otherAudience, token)).status).toBe(401)
    // Expecting another issuer, it cannot trust the app's revocation list either.
    const otherIssuer = await resourceServer({ JWT_ISSUER: 'https://issuer.other.example' }, { waitForList: false })
    expect((await hello(otherIssuer, token)).status).toBe(401)
  })

  it('refuses alg "none", a tampered payload and a key it does not know', async () => {
    const { cookie } = await signUp(app.url)
    const token = await jwtOf(cookie)
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())

    const unsigned = `${b64({ alg: 'none', kid: decodeProtectedHeader(token).kid })}.${payload}.`
    expect((await hello(rs, unsigned)).status).toBe(401)
    const tampered = `${header}.${b64({ ...claims, role: 'admin' })}.${signature}`
    expect((await hello(rs, tampered)).status).toBe(401)

    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' })
    const forged = await new SignJWT({ ...claims }).setProtectedHeader({ alg: 'EdDSA', kid: 'not-one-of-ours' }).sign(privateKey)
    expect((await hello(rs, forged)).status).toBe(401)
  })
})

describe('revocation reaches the resource server within a second', () => {
  it('a signed-out session\'s token is refused', async () => {
    const { cookie } = await signUp(app.url)
    const token = await jwtOf(cookie)
    expect((await hello(rs, token)).status).toBe(200)
    expect((await request('/api/auth/sign-out', { base: app.url, method: 'POST', cookie, body: '{}' })).status).toBe(200)
    await expect.poll(async () => (await hello(rs, token)).status, { timeout: 1000, interval: 50 }).toBe(401)
  })

  it('a banned user\'s token is refused', async () => {
    const { cookie } = await signUp(app.url)
    const token = await jwtOf(cookie)
    const userId = (await (await request('/api/me', { base: app.url, cookie })).json()).data.id
    expect((await hello(rs, token)).status).toBe(200)
    await createAdmin(app.url, app.databaseUrl, ADMIN)
    const admin = { cookie: await adminCookie(app.url, ADMIN) }
    const ban = await request(`/api/admin/users/${userId}/ban`, { base: app.url, method: 'POST', cookie: admin.cookie, body: JSON.stringify({ reason: 'Testing' }) })
    expect(ban.status).toBe(200)
    await expect.poll(async () => (await hello(rs, token)).status, { timeout: 1000, interval: 50 }).toBe(401)
  })

  it('the list needs its key, and is not served when the app has none configured', async () => {
    expect((await request('/api/revocations', { base: app.url })).status).toBe(401)
    expect((await request('/api/revocations', { base: app.url, headers: { authorization: `Bearer ${'x'.repeat(43)}` } })).status).toBe(401)
    expect((await request('/api/revocations')).status).toBe(404)
  })
})

describe('the token client (packages/token-client)', () => {
  it('50 concurrent requests with an expired token make exactly one token request, and all succeed', async () => {
    const { cookie } = await signUp(app.url)
    app.setClock(-1000)
    const expired = await jwtOf(cookie)
    app.setClock(0)
    let tokenRequests = 0
    const api = createTokenFetch({
      initialToken: expired,
      getToken: async () => {
        tokenRequests++
        return jwtOf(cookie)
      },
    })
    const responses = await Promise.all(Array.from({ length: 50 }, () => api(`${rs}/api/hello`)))
    expect(responses.map(r => r.status)).toEqual(Array(50).fill(200))
    expect(tokenRequests).toBe(1)
  })
})
