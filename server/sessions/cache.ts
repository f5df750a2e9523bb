import type { H3Event } from 'h3'
import { getSessionCookie } from 'better-auth/cookies'
import { LRUCache } from 'lru-cache'
import type { AuthSession } from '../auth/instance'
import { safeEqual } from '../platform/digest'
import { useEnv } from '../platform/env'
import { SESSION_COOKIE_NAME } from '../../shared/utils/session'

/** The two halves of a signed session cookie: `token.signature`. */
export interface SignedCookie { token: string, signature: string }

/** Which cached sessions to forget: by session id, by token, or every session of a user. */
export interface Eviction { sessionIds?: string[], tokens?: string[], userIds?: string[] }

interface Entry { signature: string, session: AuthSession, validUntil: number, verifiedAt: number }

const decodes = (value: string) => {
  try {
    decodeURIComponent(value)
    return true
  }
  catch {
    return false
  }
}

/** The session cookie (or bearer token) of a request, split into token and signature; null without a well-formed one. */
export function readSignedCookie(headers: Headers): SignedCookie | null {
  const raw = getSessionCookie(headers) ?? bearerToken(headers)
  if (!raw) return null
  if (raw.includes('%') && !decodes(raw)) return null
  const value = raw.includes('%') ? decodeURIComponent(raw) : raw
  const dot = value.lastIndexOf('.')
  if (dot <= 0 || dot === value.length - 1) return null
  return { token: value.slice(0, dot), signature: value.slice(dot + 1) }
}

/** Whether a request names a session at all (a session cookie or a bearer token, well formed or not). */
export function carriesSession(headers: Headers): boolean {
  return getSessionCookie(headers) !== null || bearerToken(headers) !== undefined
}

/**
 * The signed session token of `Authorization: Bearer …` (what sign-in sends API and mobile
 * clients in `set-auth-token`: the cookie's value), or undefined.
 */
function bearerToken(headers: Headers): string | undefined {
  const header = headers.get('authorization')
  if (header?.slice(0, 7).toLowerCase() !== 'bearer ') return undefined
  return header.slice(7).trim() || undefined
}

/**
 * Valid sessions of this process by token, so a protected request costs no database or
 * better-auth round trip. Entries are only ever added after better-auth verified the cookie;
 * `evict` drops them when a session ends anywhere (see revocation.ts). Bounded in entries
 * (SESSION_CACHE_MAX, least recently used first) and in time: while this process hears every
 * change to sessions and users (`hearsChanges`: PostgreSQL's LISTEN connection, SQLite's
 * data_version watch, in plugins/revocation-listener.ts), an entry lives until its session is
 * due for better-auth (its refresh, expiry or SESSION_MAX_AGE); while it does not, at most
 * SESSION_CACHE_TTL after it was verified.
 */
export class SessionCache {
  private readonly lru: LRUCache<string, Entry>
  private readonly byId = new Map<string, string>()
  private readonly byUser = new Map<string, Set<string>>()
  /** Bumped by every eviction, so a lookup that raced with one is not cached. */
  generation = 0
  private live = false
  /** Lookups answered from the cache and not (for `npm run bench`'s hit ratio). */
  hits = 0
  misses = 0
  private readonly ttlMs: number

  constructor(options: { max: number, ttlSeconds: number }) {
    this.lru = new LRUCache<string, Entry>({
      // Bounded in entries: each costs about 1.2 KB of heap (bench/cache-memory.ts).
      max: Math.max(options.max, 1),
      ttl: Math.max(options.ttlSeconds, 0.001) * 1000,
      dispose: (entry, token) => this.unindex(token, entry),
      // Wall-clock time, like the expiry it is compared with.
      perf: { now: () => Date.now() },
    })
    this.ttlMs = this.lru.ttl
    this.enabled = options.ttlSeconds > 0 && options.max > 0
    // Sessions past their time are let go every TTL, not kept until their room is needed.
    if (this.enabled) setInterval(() => this.purge(), this.ttlMs).unref()
  }

  /**
   * Whether every change to a session or user (by this process, another instance or SQL) now
   * reaches `evict` or `clear` within milliseconds. Until it is said, and whenever it is unsaid
   * (the connection that hears them is down), entries older than SESSION_CACHE_TTL are not answered.
   */
  hearsChanges(live: boolean) {
    this.live = live
  }

  readonly enabled: boolean

  /**
   * The cached session for this cookie if its signature matches the verified one, it has not
   * expired and it is not yet due for a refresh or past SESSION_MAX_AGE (those need better-auth).
   */
  get(cookie: SignedCookie, now = Date.now()): AuthSession | undefined {
    const entry = this.lru.get(cookie.token)
    if (!entry || !safeEqual(entry.signature, cookie.signature)) {
      this.misses++
      return undefined
    }
    if (now >= entry.validUntil || (!this.live && now - entry.verifiedAt >= this.ttlMs)) {
      this.lru.delete(cookie.token)
      this.misses++
      return undefined
    }
    this.hits++
    return entry.session
  }

  /**
   * Remembers a session better-auth just verified, until `validUntil` (epoch ms: its expiry, or
   * earlier when it must go back to better-auth), unless an eviction happened since `generation` was read.
   */
  set(cookie: SignedCookie, session: AuthSession, generation: number, validUntil = new Date(session.session.expiresAt).getTime()) {
    if (!this.enabled || generation !== this.generation || session.session.token !== cookie.token) return
    const now = Date.now()
    this.lru.set(cookie.token, { signature: cookie.signature, session, validUntil, verifiedAt: now }, { ttl: Math.max(1, validUntil - now) })
    this.byId.set(session.session.id, cookie.token)
    let tokens = this.byUser.get(session.user.id)
    if (!tokens) this.byUser.set(session.user.id, tokens = new Set())
    tokens.add(cookie.token)
  }

  /** Forgets the named sessions (no-op for ones not cached). */
  evict({ sessionIds = [], tokens = [], userIds = [] }: Eviction) {
    this.generation++
    const doomed = new Set(tokens)
    for (const id of sessionIds) {
      const token = this.byId.get(id)
      if (token) doomed.add(token)
    }
    for (const id of userIds) for (const token of this.byUser.get(id) ?? []) doomed.add(token)
    for (const token of doomed) this.lru.delete(token)
  }

  /** Forgets everything (used when revocation events may have been missed). */
  clear() {
    this.generation++
    this.lru.clear()
  }

  /** Whether entries now live until their session is due for better-auth (see `hearsChanges`). */
  get hearing() {
    return this.live
  }

  get size() {
    return this.lru.size
  }

  /** How many sessions and users the eviction indexes name: never more than the cache holds. */
  get indexed() {
    return { sessions: this.byId.size, users: this.byUser.size }
  }

  private purge() {
    this.lru.purgeStale()
    if (this.live) return
    const before = Date.now() - this.ttlMs
    const stale = [...this.lru.entries()].filter(([, entry]) => entry.verifiedAt <= before).map(([token]) => token)
    for (const token of stale) this.lru.delete(token)
  }

  private unindex(token: string, entry: Entry) {
    if (this.byId.get(entry.session.session.id) === token) this.byId.delete(entry.session.session.id)
    const tokens = this.byUser.get(entry.session.user.id)
    tokens?.delete(token)
    if (tokens?.size === 0) this.byUser.delete(entry.session.user.id)
  }
}

let cache: SessionCache | undefined

/** The session cache of this process (SESSION_CACHE_TTL, SESSION_CACHE_MAX). */
export function useSessionCache(): SessionCache {
  const env = useEnv()
  cache ??= new SessionCache({ max: env.SESSION_CACHE_MAX, ttlSeconds: env.SESSION_CACHE_TTL })
  return cache
}

/** Every name a session cookie can go by (better-auth's reader takes the hyphenated and __Secure- ones too), in any case. */
const SESSION_COOKIE = /^(__Secure-)?better-auth[.-]session_token$/i
const AUTH_COOKIE = /^(__Secure-)?better-auth[.-]/i
const clearCookie = (event: H3Event, name: string) => appendResponseHeader(event, 'set-cookie', `${name}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax${/^__Secure-/i.test(name) ? '; Secure' : ''}`)

/**
 * Leaves a request with at most one session credential, written the one way every parser reads
 * it, so the session our checks see is the session better-auth acts on. The Cookie header is
 * written again pair by pair (names and values trimmed, auth values unquoted), without auth
 * cookies that cannot be decoded and session cookies under a name this server does not use (both
 * cleared); a bearer is written `Bearer <token>`, or dropped if it cannot be decoded. Returns
 * false when the request still names two sessions (the cookie twice, or a cookie and a bearer):
 * such a request must be refused, not guessed at.
 */
export function normalizeCredentials(event: H3Event): boolean {
  const headers = event.node.req.headers
  const configured = `${useEnv().BETTER_AUTH_URL.startsWith('https:') ? '__Secure-' : ''}${SESSION_COOKIE_NAME}`
  const before = { cookie: headers.cookie, authorization: headers.authorization }
  let sessions = 0
  const bearer = /^bearer\s+(\S.*)$/i.exec(headers.authorization?.trim() ?? '')
  if (headers.authorization && !decodes(headers.authorization)) delete headers.authorization
  else if (bearer) {
    headers.authorization = `Bearer ${bearer[1]!.trim()}`
    sessions++
  }
  if (headers.cookie) {
    const kept: string[] = []
    for (const chunk of headers.cookie.split(';')) {
      const eq = chunk.indexOf('=')
      // A pair without "=" is read by no parser.
      if (eq === -1) continue
      const name = chunk.slice(0, eq).trim()
      let value = chunk.slice(eq + 1).trim()
      if (AUTH_COOKIE.test(name)) {
        if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
        if (!decodes(value) || (SESSION_COOKIE.test(name) && name !== configured)) {
          clearCookie(event, name)
          continue
        }
        if (name === configured) sessions++
      }
      kept.push(`${name}=${value}`)
    }
    if (kept.length) headers.cookie = kept.join('; ')
    else delete headers.cookie
  }
  // h3 keeps the Headers it built; build them again from what is left.
  if (headers.cookie !== before.cookie || headers.authorization !== before.authorization) (event as unknown as { _headers?: Headers })._headers = undefined
  if (sessions <= 1) return true
  clearCookie(event, configured)
  return false
}
