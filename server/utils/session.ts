import type { H3Event } from 'h3'

/**
 * The session of this request, or null; cached on the event. Forwards better-auth's
 * Set-Cookie (sliding refresh, or clearing a dead cookie) to the response.
 */
export async function getAuthSession(event: H3Event): Promise<AuthSession | null> {
  if (event.context.authSession !== undefined) return event.context.authSession
  const response = await withAuthCookies(event, useServerAuth().api.getSession({ headers: event.headers, returnHeaders: true }))
  setResponseHeader(event, 'cache-control', 'private, no-store')
  event.context.authSession = response
  return response
}

/** The session of this request; throws 401 "Authentication required" without one. */
export async function requireSession(event: H3Event): Promise<AuthSession> {
  const session = await getAuthSession(event)
  if (!session) throw createError({ statusCode: 401, message: 'Authentication required' })
  return session
}

/** Awaits a better-auth API call made with `returnHeaders: true` and forwards its Set-Cookie. */
export async function withAuthCookies<T>(event: H3Event, call: Promise<{ headers: Headers, response: T }>): Promise<T> {
  const { headers, response } = await call
  for (const cookie of headers.getSetCookie()) appendResponseHeader(event, 'set-cookie', cookie)
  return response
}

declare module 'h3' {
  interface H3EventContext {
    authSession?: AuthSession | null
  }
}
