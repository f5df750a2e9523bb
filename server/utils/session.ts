import type { H3Event } from 'h3'
import { z } from 'zod'

/** Route params of `[id]` routes (sessions, users): a non-empty id of sane length. */
export const IdParams = z.object({ id: z.string().min(1).max(128) })

/** Whether a session created at `createdAt` has outlived SESSION_MAX_AGE, which no activity extends. */
export function pastMaxAge(createdAt: Date | string, maxAgeSeconds: number, now = Date.now()): boolean {
  return now - new Date(createdAt).getTime() >= maxAgeSeconds * 1000
}

/** When a session ends if nothing more happens: its expiry, or SESSION_MAX_AGE after sign-in if that comes first (epoch ms). */
export function sessionEndsAt(session: { expiresAt: Date | string, createdAt: Date | string }, env: { SESSION_MAX_AGE: number }): number {
  return Math.min(new Date(session.expiresAt).getTime(), new Date(session.createdAt).getTime() + env.SESSION_MAX_AGE * 1000)
}

/**
 * Until when (epoch ms) a verified session may be answered without better-auth: the earliest of
 * its expiry, its next sliding refresh (so the refreshed cookie reaches the browser) and SESSION_MAX_AGE.
 */
export function cacheableUntil(session: { expiresAt: Date | string, createdAt: Date | string }, env: { SESSION_EXPIRES_IN: number, SESSION_UPDATE_AGE: number, SESSION_MAX_AGE: number }): number {
  const refreshAt = new Date(session.expiresAt).getTime() - env.SESSION_EXPIRES_IN * 1000 + env.SESSION_UPDATE_AGE * 1000
  return Math.min(sessionEndsAt(session, env), refreshAt)
}

/** Whether a user is banned now (a ban with an expiry in the past has run out). */
export function isBanned(user: { banned?: boolean | null, banExpires?: Date | string | null }, now = Date.now()): boolean {
  return !!user.banned && (!user.banExpires || new Date(user.banExpires).getTime() > now)
}

/** Whether a session was signed in within SESSION_FRESH_AGE (recently enough for sensitive actions). */
export function isFresh(createdAt: Date | string, freshAgeSeconds: number, now = Date.now()): boolean {
  return !pastMaxAge(createdAt, freshAgeSeconds, now)
}

/**
 * The session of this request, or null; kept on the event. A valid session is answered from the
 * in-process cache (session-cache.ts) when its cookie matches; better-auth and the database see
 * the request on a miss or when the session is due for its sliding refresh, and their Set-Cookie
 * (refresh, or clearing a dead cookie) is forwarded. A session past SESSION_MAX_AGE is signed out
 * (row deleted, cookie cleared) and counts as none.
 */
export async function getAuthSession(event: H3Event): Promise<AuthSession | null> {
  if (event.context.authSession !== undefined) return event.context.authSession
  const env = useEnv()
  setResponseHeader(event, 'cache-control', 'private, no-store')
  const cache = useSessionCache()
  const cookie = readSignedCookie(event.headers)
  const cached = cookie && cache.get(cookie)
  if (cached) return event.context.authSession = cached
  const generation = cache.generation
  const auth = useServerAuth()
  let response = await withAuthCookies(event, auth.api.getSession({ headers: event.headers, returnHeaders: true }))
    .catch((error: unknown) => {
      if (!event.context.unavailable) throw error
      // The database is away: a session still in Redis answers, without the refresh that would write to it.
      return withAuthCookies(event, auth.api.getSession({ headers: event.headers, query: { disableRefresh: true }, returnHeaders: true }))
    })
  // No session found, but the database could not be asked: that is no answer (503), not "signed out".
  if (!response && event.context.unavailable) throw createError({ statusCode: 503 })
  // Past SESSION_MAX_AGE, or its user banned (an administrator's ban ends sessions itself; one set in the database does not).
  if (response && (pastMaxAge(response.session.createdAt, env.SESSION_MAX_AGE) || isBanned(response.user))) {
    await withAuthCookies(event, auth.api.signOut({ headers: authHeaders(event), returnHeaders: true }))
    response = null
  }
  if (response && cookie && generation === cache.generation) {
    cache.set(cookie, response, generation, cacheableUntil(response.session, env))
    // Its copy in Redis was from before an outage: the database has just confirmed it, so it may be read again.
    await refreshStaleCopy(cookie.token, response)
  }
  event.context.authSession = response
  return response
}

/**
 * The session of this request; throws 401 "Authentication required" without one, with `ended`
 * saying why when the request carried the cookie of a session that ended (this answer clears it).
 */
export async function requireSession(event: H3Event): Promise<AuthSession> {
  const session = await getAuthSession(event)
  if (!session) throw createError({ statusCode: 401, message: 'Authentication required', data: { ended: await whySessionEnded(event) } })
  return session
}

/** The session of this request if its user completed /onboarding; 403 `ONBOARDING_REQUIRED` otherwise. */
export async function requireOnboarded(event: H3Event): Promise<AuthSession> {
  const session = await requireSession(event)
  if (!session.user.onboardedAt) {
    throw createError({ statusCode: 403, message: 'Finish setting up your account first: choose a display name and time zone at /onboarding.', data: { code: 'ONBOARDING_REQUIRED' } })
  }
  return session
}

/**
 * The session of this request if it was signed in within SESSION_FRESH_AGE; otherwise 403 with
 * `code: 'REAUTH_REQUIRED'`, after which the user confirms their password (POST /api/sessions/reauthenticate).
 */
export async function requireFreshSession(event: H3Event): Promise<AuthSession> {
  const session = await requireOnboarded(event)
  if (!isFresh(session.session.createdAt, useEnv().SESSION_FRESH_AGE)) {
    throw createError({ statusCode: 403, message: 'Please confirm your password to continue.', data: { code: 'REAUTH_REQUIRED' } })
  }
  return session
}

/** The session of this request if its user is an administrator; 401 without a session, 403 otherwise. */
export async function requireAdmin(event: H3Event): Promise<AuthSession> {
  const session = await requireOnboarded(event)
  if (session.user.role !== 'admin') throw createError({ statusCode: 403, message: 'Administrator access required' })
  return session
}

/** Awaits a better-auth API call made with `returnHeaders: true` (or takes its result) and forwards its Set-Cookie. */
export async function withAuthCookies<T>(event: H3Event, call: { headers: Headers, response: T } | Promise<{ headers: Headers, response: T }>): Promise<T> {
  const { headers, response } = await call
  for (const cookie of headers.getSetCookie()) appendResponseHeader(event, 'set-cookie', cookie)
  return response
}

declare module 'h3' {
  interface H3EventContext {
    authSession?: AuthSession | null
  }
}
