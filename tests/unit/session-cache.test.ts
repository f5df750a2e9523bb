import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { readSignedCookie, SessionCache } from '../../server/sessions/cache'
import { cacheableUntil } from '../../server/sessions/lifetime'

const HOUR = 3600_000

function session(id: string, userId: string, token = `token-${id}`, expiresAt = new Date(Date.now() + HOUR)) {
  return {
    session: { id, token, userId, expiresAt, createdAt: new Date(), updatedAt: new Date(), ipAddress: null, userAgent: null },
    user: { id: userId, email: `${userId}@example.com`, name: 'U', emailVerified: false, createdAt: new Date(), updatedAt: new Date() },
  } as never
}
const cookie = (token: string, signature = 'c2lnbmF0dXJl') => ({ token, signature })

describe('the session cache', () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('answers a cached session only for the exact signature better-auth verified', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 5 })
    cache.set(cookie('token-a'), session('a', 'u1'), cache.generation)
    expect(cache.get(cookie('token-a'))?.session.id).toBe('a')
    expect(cache.get(cookie('token-a', 'Zm9yZ2Vk'))).toBeUndefined()
    expect(cache.get(cookie('token-b'))).toBeUndefined()
  })

  it('never answers past SESSION_CACHE_TTL or past the session\'s own expiry', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 5 })
    cache.set(cookie('token-a'), session('a', 'u1'), cache.generation)
    cache.set(cookie('token-b'), session('b', 'u1', 'token-b', new Date(Date.now() + 2000)), cache.generation)
    vi.advanceTimersByTime(2001)
    expect(cache.get(cookie('token-a'))?.session.id).toBe('a')
    expect(cache.get(cookie('token-b'))).toBeUndefined()
    vi.advanceTimersByTime(3000)
    expect(cache.get(cookie('token-a'))).toBeUndefined()
  })

  it('lets sessions go once past their time, without waiting for a lookup or for their room', () => {
    const cache = new SessionCache({ max: 100, ttlSeconds: 5 })
    cache.hearsChanges(true)
    for (const id of ['a', 'b', 'c']) cache.set(cookie(`token-${id}`), session(id, 'u1'), cache.generation)
    cache.set(cookie('token-d'), session('d', 'u2'), cache.generation, Date.now() + 1000)
    vi.advanceTimersByTime(5000)
    expect(cache.size).toBe(3)
    // No longer hearing changes: what was verified more than SESSION_CACHE_TTL ago goes at the next sweep.
    cache.hearsChanges(false)
    expect(cache.size).toBe(3)
    vi.advanceTimersByTime(5000)
    expect(cache.size).toBe(0)
  })

  it('evicts by session id, by token and every session of a user', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 60 })
    for (const [id, user] of [['a', 'u1'], ['b', 'u1'], ['c', 'u2'], ['d', 'u3']] as const) {
      cache.set(cookie(`token-${id}`), session(id, user), cache.generation)
    }
    cache.evict({ sessionIds: ['c'] })
    expect(cache.get(cookie('token-c'))).toBeUndefined()
    cache.evict({ userIds: ['u1'] })
    expect(cache.get(cookie('token-a'))).toBeUndefined()
    expect(cache.get(cookie('token-b'))).toBeUndefined()
    cache.evict({ tokens: ['token-d'] })
    expect(cache.size).toBe(0)
  })

  it('does not keep a lookup that raced with an eviction', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 60 })
    const before = cache.generation
    cache.evict({ sessionIds: ['a'] }) // the session ended while better-auth was still reading it
    cache.set(cookie('token-a'), session('a', 'u1'), before)
    expect(cache.get(cookie('token-a'))).toBeUndefined()
  })

  it('stays within its entry bound, dropping the least recently used, and forgets dropped entries\' indexes', () => {
    const cache = new SessionCache({ max: 3, ttlSeconds: 60 })
    for (const id of ['a', 'b', 'c']) cache.set(cookie(`token-${id}`), session(id, `user-${id}`), cache.generation)
    cache.get(cookie('token-a'))
    cache.set(cookie('token-d'), session('d', 'user-d'), cache.generation)
    expect(cache.size).toBe(3)
    expect(cache.get(cookie('token-b'))).toBeUndefined()
    expect(cache.get(cookie('token-a'))?.session.id).toBe('a')
    // b went with its entry: the indexes name a, c and d only.
    expect(cache.indexed).toEqual({ sessions: 3, users: 3 })
  })

  it('holds at most SESSION_CACHE_MAX sessions, forgetting the least recently used', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 60 })
    for (let i = 0; i < 100; i++) cache.set(cookie(`token-${i}`), session(String(i), `user-${i}`), cache.generation)
    expect(cache.size).toBe(10)
    expect(cache.get(cookie('token-89'))).toBeUndefined()
    expect(cache.get(cookie('token-90'))?.session.id).toBe('90')
    // Its indexes shrink with it.
    expect(cache.indexed).toEqual({ sessions: 10, users: 10 })
  })

  it('while it hears every change, keeps an entry until its session is due for better-auth; once it does not, SESSION_CACHE_TTL bounds it again', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 5 })
    cache.hearsChanges(true)
    cache.set(cookie('token-a'), session('a', 'u1'), cache.generation, Date.now() + 60_000)
    cache.set(cookie('token-b'), session('b', 'u1'), cache.generation, Date.now() + 60_000)
    vi.advanceTimersByTime(30_000)
    expect(cache.get(cookie('token-a'))?.session.id).toBe('a')
    expect(cache.size).toBe(2)
    // The connection that hears changes is gone: entries verified more than 5 s ago are not answered, nor kept.
    cache.hearsChanges(false)
    expect(cache.get(cookie('token-a'))).toBeUndefined()
    cache.set(cookie('token-c'), session('c', 'u1'), cache.generation, Date.now() + 60_000)
    vi.advanceTimersByTime(4000)
    expect(cache.get(cookie('token-c'))?.session.id).toBe('c')
    vi.advanceTimersByTime(1000)
    expect(cache.size).toBe(0)
    // Heard again: a new entry lives until it is due, and not a moment longer.
    cache.hearsChanges(true)
    cache.set(cookie('token-d'), session('d', 'u1'), cache.generation, Date.now() + 20_000)
    vi.advanceTimersByTime(19_999)
    expect(cache.get(cookie('token-d'))?.session.id).toBe('d')
    vi.advanceTimersByTime(1)
    expect(cache.get(cookie('token-d'))).toBeUndefined()
  })

  it('counts the lookups it answered and those it did not', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 5 })
    cache.set(cookie('token-a'), session('a', 'u1'), cache.generation)
    cache.get(cookie('token-a'))
    cache.get(cookie('token-a'))
    cache.get(cookie('token-b'))
    cache.get(cookie('token-a', 'Zm9yZ2Vk'))
    expect({ hits: cache.hits, misses: cache.misses }).toEqual({ hits: 2, misses: 2 })
  })

  it('is off with SESSION_CACHE_TTL=0', () => {
    const cache = new SessionCache({ max: 10, ttlSeconds: 0 })
    cache.set(cookie('token-a'), session('a', 'u1'), cache.generation)
    expect(cache.get(cookie('token-a'))).toBeUndefined()
  })
})

describe('reading the session cookie', () => {
  it('splits token and signature, also URL-encoded and __Secure- prefixed', () => {
    const signature = 'q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq8=' // 44 characters, as better-auth signs
    const plain = new Headers({ cookie: `better-auth.session_token=abc.${signature}` })
    const encoded = new Headers({ cookie: `__Secure-better-auth.session_token=abc.${encodeURIComponent(signature)}` })
    expect(readSignedCookie(plain)).toEqual({ token: 'abc', signature })
    expect(readSignedCookie(encoded)).toEqual({ token: 'abc', signature })
  })

  it('rejects a missing or malformed cookie', () => {
    expect(readSignedCookie(new Headers())).toBeNull()
    expect(readSignedCookie(new Headers({ cookie: 'better-auth.session_token=unsigned' }))).toBeNull()
    expect(readSignedCookie(new Headers({ cookie: 'better-auth.session_token=abc.' }))).toBeNull()
  })
})

describe('how long a verified session may be answered from the cache', () => {
  const env = { SESSION_EXPIRES_IN: 7 * 86400, SESSION_UPDATE_AGE: 86400, SESSION_MAX_AGE: 30 * 86400 }
  const now = Date.parse('2026-11-23T12:00:00Z')

  it('until its sliding refresh is due, so better-auth sends the refreshed cookie', () => {
    const justRefreshed = { expiresAt: new Date(now + env.SESSION_EXPIRES_IN * 1000), createdAt: new Date(now - 86400_000) }
    expect(cacheableUntil(justRefreshed, env)).toBe(now + env.SESSION_UPDATE_AGE * 1000)
  })

  it('never past SESSION_MAX_AGE from sign-in', () => {
    const old = { expiresAt: new Date(now + env.SESSION_EXPIRES_IN * 1000), createdAt: new Date(now - (30 * 86400 - 60) * 1000) }
    expect(cacheableUntil(old, env)).toBe(now + 60_000)
  })

  it('never past its own expiry', () => {
    const expiring = { expiresAt: new Date(now + 5000), createdAt: new Date(now - 86400_000) }
    expect(cacheableUntil(expiring, { ...env, SESSION_UPDATE_AGE: env.SESSION_EXPIRES_IN })).toBe(now + 5000)
  })
})
