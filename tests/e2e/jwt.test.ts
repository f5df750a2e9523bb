import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { request, signUp } from '../support/http'
import { type ClockServer, startClockServer } from '../support/server'

const jwks = async (base?: string) => {
  const response = await request('/api/auth/jwks', { base })
  expect(response.status).toBe(200)
  return { response, keys: await response.json() as JSONWebKeySet }
}
const token = async (cookie: string, base?: string) => {
  const response = await request('/api/auth/token', { cookie, base })
  expect(response.status).toBe(200)
  return (await response.json()).token as string
}

describe('JWTs for resource servers', () => {
  it('GET /api/auth/token gives a holder of a session an EdDSA JWT of 15 minutes, with issuer, audience, id and role', async () => {
    const { cookie } = await signUp()
    const me = (await (await request('/api/me', { cookie })).json()).data
    const jwt = await token(cookie)
    const { keys, response } = await jwks()
    expect(response.headers.get('cache-control')).toBe('public, max-age=300')
    expect(keys.keys.every(k => k.alg === 'EdDSA' && k.crv === 'Ed25519' && !('d' in k))).toBe(true)

    const base = inject('baseURL')
    const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(keys), { issuer: base, audience: base, algorithms: ['EdDSA'] })
    expect(protectedHeader.alg).toBe('EdDSA')
    expect(payload).toMatchObject({ sub: me.id, role: 'user', email: me.email })
    expect(payload.exp! - payload.iat!).toBe(900)
  })

  it('answers 401 without a session', async () => {
    expect((await request('/api/auth/token')).status).toBe(401)
  })
})

describe('key rotation (server clock moved by the test)', () => {
  // Keys rotate every 2 hours and stay published for 1 hour after.
  let app: ClockServer
  beforeAll(async () => {
    app = await startClockServer({ JWKS_ROTATION_INTERVAL: '7200', JWKS_GRACE_PERIOD: '3600', SESSION_EXPIRES_IN: '86400', SESSION_UPDATE_AGE: '86400' })
  })
  afterAll(() => app?.stop())

  it('a token of the previous key verifies during the grace period, and not after', async () => {
    const { cookie } = await signUp(app.url)
    const old = await token(cookie, app.url)
    const oldKid = decodeProtectedHeader(old).kid

    app.setClock(7300) // past the rotation: new tokens use a new key, the old one is still published
    const fresh = await token(cookie, app.url)
    expect(decodeProtectedHeader(fresh).kid).not.toBe(oldKid)
    const during = (await jwks(app.url)).keys
    expect(during.keys.map(k => k.kid)).toEqual(expect.arrayContaining([oldKid, decodeProtectedHeader(fresh).kid]))
    const options = { issuer: app.url, audience: app.url }
    await expect(jwtVerify(old, createLocalJWKSet(during), options)).resolves.toBeTruthy()

    app.setClock(7200 + 3700) // the grace period is over: the old key is gone
    const after = (await jwks(app.url)).keys
    expect(after.keys.map(k => k.kid)).not.toContain(oldKid)
    await expect(jwtVerify(old, createLocalJWKSet(after), options)).rejects.toThrow(/no applicable key|matching key/i)
    await expect(jwtVerify(fresh, createLocalJWKSet(after), options)).resolves.toBeTruthy()
  })
})
