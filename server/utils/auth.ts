// better-auth for a route handler: the instance, the headers to call it with, and its Set-Cookie passed on.
export { useServerAuth, authHeaders, type AuthSession } from '../auth/instance'
export { getAuthSession, withAuthCookies } from '../sessions/lookup'
