import type { H3Event } from 'h3'

/**
 * The session of this request, or null; cached on the event. Forwards better-auth's
 * Set-Cookie (sliding refresh, or clearing a dead cookie) to the response.
 */
export async function getAuthSession(event: H3Event): Promise<AuthSession | null> {
  if (event.context.authSession !== undefined) return event.context.authSession
  const { headers, response } = await useServerAuth().api.getSession({ headers: event.headers, returnHeaders: true })
  for (const cookie of headers.getSetCookie()) appendResponseHeader(event, 'set-cookie', cookie)
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

declare module 'h3' {
  interface H3EventContext {
    authSession?: AuthSession | null
  }
}
