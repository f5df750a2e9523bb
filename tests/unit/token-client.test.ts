import { describe, expect, it } from 'vitest'
import { createTokenFetch, expiresAt } from '../../packages/token-client'

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** An unsigned token with `exp` seconds from now (the client never verifies; servers do). */
const tokenFor = (name: string, exp: number) => `${b64({ alg: 'EdDSA' })}.${b64({ sub: name, exp: Math.floor(Date.now() / 1000) + exp })}.sig`

function deferred() {
  let resolve!: () => void
  const promise = new Promise<void>(r => resolve = r)
  return { promise, resolve }
}

/**
 * A server that accepts only `valid`. It answers nothing until `open()`, so requests overlap for
 * certain; `allSeen` resolves once `expected` requests have arrived.
 */
function server(valid: () => string, expected: number) {
  const seen: string[] = []
  const gate = deferred()
  const allSeen = deferred()
  const fetch = async (_: string | URL, init?: RequestInit) => {
    const auth = new Headers(init?.headers).get('authorization')!
    seen.push(auth)
    if (seen.length === expected) allSeen.resolve()
    await gate.promise
    return new Response(null, { status: auth === `Bearer ${valid()}` ? 200 : 401 })
  }
  return { fetch: fetch as typeof globalThis.fetch, seen, allSeen: allSeen.promise, open: gate.resolve }
}

describe('createTokenFetch', () => {
  it('reads exp without verifying, and undefined for garbage', () => {
    expect(expiresAt(tokenFor('a', 60))).toBeGreaterThan(Date.now())
    expect(expiresAt('not a token')).toBeUndefined()
  })

  it('a token rejected with 401 (its exp still ahead) is replaced once for 50 concurrent requests, which all retry', async () => {
    let current = tokenFor('new', 900)
    const { fetch, seen, allSeen, open } = server(() => current, 50)
    let calls = 0
    const newToken = deferred()
    const api = createTokenFetch({ fetch, initialToken: tokenFor('revoked-key', 900), getToken: async () => {
      calls++
      await newToken.promise
      return current
    } })
    const pending = Promise.all(Array.from({ length: 50 }, () => api('https://api.example/x').then(r => r.status)))
    // All 50 are sent with the rejected token before any answer; then all 50 get their 401.
    await allSeen
    open()
    // One turn of the event loop: every 401 has been handled, and all wait on the one refresh.
    await new Promise(resolve => setImmediate(resolve))
    expect(calls).toBe(1)
    newToken.resolve()
    expect(await pending).toEqual(Array(50).fill(200))
    expect(calls).toBe(1)
    expect(seen.filter(h => h === `Bearer ${current}`)).toHaveLength(50)

    // Later expiry by exp: refreshed before sending, again once.
    current = tokenFor('newer', 900)
    const expiring = createTokenFetch({ fetch, initialToken: tokenFor('old', 5), getToken: async () => {
      calls++
      return current
    } })
    expect((await Promise.all(Array.from({ length: 20 }, () => expiring('https://api.example/x')))).every(r => r.status === 200)).toBe(true)
    expect(calls).toBe(2)
  })

  it('passes other answers through untouched and sends the caller\'s headers', async () => {
    const received: Headers[] = []
    const fetch = (async (_: string | URL, init?: RequestInit) => {
      received.push(new Headers(init?.headers))
      return new Response('nope', { status: 403 })
    }) as typeof globalThis.fetch
    const api = createTokenFetch({ fetch, getToken: async () => tokenFor('a', 900) })
    const response = await api('https://api.example/x', { headers: { 'x-trace': '1' } })
    expect(response.status).toBe(403)
    expect(received[0]!.get('x-trace')).toBe('1')
    expect(received[0]!.get('authorization')).toMatch(/^Bearer /)
  })
})
