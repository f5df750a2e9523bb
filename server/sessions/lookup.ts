import { appendResponseHeader, createError, type H3Event, setResponseHeader } from 'h3'
import { authHeaders, type AuthSession, useServerAuth } from '../auth/instance'
import { useEnv } from '../platform/env'
import { refreshStaleCopy } from '../platform/redis'
import { carriesSession, readSignedCookie, useSessionCache } from './cache'
import { cacheableUntil, isBanned, pastMaxAge } from './lifetime'

/**
 * The session of this request, or null; kept on the event. A valid session is answered from the
 * in-process cache (cache.ts) when its cookie matches; better-auth and the database see
 * the request on a miss or when the session is due for its sliding refresh, and their Set-Cookie
 * (refresh, or clearing a dead cookie) is forwarded. A session past SESSION_MAX_AGE is signed out
 * (row deleted, cookie cleared) and counts as none.
 */
export async function getAuthSession(event: H3Event): Promise<AuthSession | null> {
  if (event.context.authSession !== undefined) return event.context.authSession
  const env = useEnv()
  setResponseHeader(event, 'cache-control', 'private, no-store')
  // No cookie, no lookup: a request that names no session has none, and better-auth is not asked.
  if (!carriesSession(event.headers)) return event.context.authSession = null
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
    // With better-auth's cookie cache on, its answer may come from a signed cookie, not the
    // database: an ended session replayed with its session_data cookie must not be believed for
    // longer than the cookie cache is documented to allow.
    const until = cacheableUntil(response.session, env)
    cache.set(cookie, response, generation, env.SESSION_COOKIE_CACHE > 0 ? Math.min(until, Date.now() + env.SESSION_CACHE_TTL * 1000) : until)
    // Its copy in Redis was from before an outage: the database has just confirmed it, so it may be read again.
    await refreshStaleCopy(cookie.token, response)
  }
  event.context.authSession = response
  return response
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
