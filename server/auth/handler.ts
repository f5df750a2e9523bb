import type { H3Event } from 'h3'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Route, routesFor } from './route-table'
import { authHeaders, useServerAuth } from './instance'
import { applyLimits, tooManyRequests } from './limits'
import { twoFactorLockWait } from './two-factor'
import { useDb } from '../platform/db'
import { useEnv } from '../platform/env'
import { readSignedCookie } from '../sessions/cache'
import { getAuthSession } from '../sessions/lookup'

/**
 * Requests whose answer must not tell whether an address has an account. A known address costs
 * more (a token is stored, a mail composed and sent after the answer), so they all answer no
 * sooner than ACCOUNT_BLIND_ANSWER_MS after they arrived: longer than that work takes.
 */
const ACCOUNT_BLIND_PATHS = new Set(['/api/auth/request-password-reset', '/api/auth/send-verification-email', '/api/auth/email-otp/send-verification-otp'])
export const ACCOUNT_BLIND_ANSWER_MS = 250

const SIGN_IN_ROUTE = routesFor('/api/auth/sign-in/email').find(route => route.method === 'POST')!

/**
 * Hands a request to better-auth, and keeps session tokens out of JSON bodies: the HttpOnly
 * cookie is the only place they live.
 */
export async function handleAuthRequest(event: H3Event) {
  // Declared in the route table, and its policy applied, by server/middleware/2.policy.ts.
  const route = event.context.route!
  const path = event.path.split('?')[0]!
  // A GET never changes state: an emailed link opens a page that confirms with a POST (mail scanners
  // that prefetch links confirm nothing). Old-style links to better-auth's GET land on that page.
  if (path === '/api/auth/verify-email') {
    setResponseHeader(event, 'cache-control', 'private, no-store')
    return sendRedirect(event, `/verify-email?token=${encodeURIComponent(String(getQuery(event).token ?? ''))}`, 302)
  }
  // SESSION_MAX_AGE holds on better-auth's own routes too: an over-age session is ended first.
  const arrived = performance.now()
  if (readSignedCookie(event.headers)) await getAuthSession(event)
  const request = toWebRequest(event)
  authHeaders(event, request.headers)
  let response = await useServerAuth().handler(request)
  // better-auth turns some failed database calls into its own 422 or 500, and answers a sign-out
  // whose delete failed with 200: a request that found the database down answers 503 all the same.
  if (event.context.unavailable && (!response.ok || event.method !== 'GET')) throw createError({ statusCode: 503 })
  if (path === '/api/auth/sign-up/email') response = await signUpRetried(event, response)
  if (response.status === 429) await refuseTooMany(event, response)
  if (ACCOUNT_BLIND_PATHS.has(path)) await sleep(Math.max(0, arrived + ACCOUNT_BLIND_ANSWER_MS - performance.now()))
  // CORS (server/middleware/1.cors.ts) exposes headers too: keep ours beside better-auth's.
  const exposed = getResponseHeader(event, 'access-control-expose-headers')
  if (exposed) {
    const names = new Set([exposed, response.headers.get('access-control-expose-headers')].join(',').split(',').map(h => h.trim()).filter(Boolean))
    response.headers.set('access-control-expose-headers', [...names].join(', '))
  }
  // Every auth answer concerns a session, except the public keys, which may be cached a while (a
  // retired key stays published for JWKS_GRACE_PERIOD; an unknown key id makes a verifier refetch).
  response.headers.set('cache-control', path === '/api/auth/jwks' && response.ok ? 'public, max-age=300' : 'private, no-store')
  // A successful sign-out wipes what the browser kept, but not its cookies: "trust this browser" must survive.
  if (response.ok && path === '/api/auth/sign-out') response.headers.set('clear-site-data', '"storage"')
  // The app's own pages hold the HttpOnly cookie; a session token in a header is for other clients only.
  if (sameOriginBrowser(event) || await awaitsSecondFactor(response)) response.headers.delete('set-auth-token')
  keepRedirectOnSite(response, route)
  if (path.startsWith('/api/auth/callback/')) await onToSecondFactor(response)
  const clear = response.ok ? response : await rewriteJson(await withJsonError(response), withClearMessage)
  const blind = path === '/api/auth/sign-up/email' && useEnv().EMAIL_VERIFICATION === 'required' ? await rewriteJson(clear, sameForAnyAddress) : clear
  return route.token ? blind : rewriteJson(blind, stripTokens)
}

/** How long after a sign-up another sign-up with the same address and password is taken for its retry. */
export const SIGN_UP_RETRY_MS = 10 * 60_000
/** How old a user with no password must be to count as a sign-up cut off, not one still running. */
export const SIGN_UP_SETTLE_MS = 5_000

/**
 * A sign-up cut off by an outage answered 503, and its client retries; a sign-up with the address
 * of an account made in the last SIGN_UP_RETRY_MS may be that retry (EMAIL_VERIFICATION=required
 * answers every sign-up alike anyway):
 * - cut off between its user and its password (better-auth writes them one after the other), the
 *   account is one nobody can sign in to: once SIGN_UP_SETTLE_MS old (a sign-up still running
 *   writes its password within milliseconds), it goes, in one statement that keeps it if it has
 *   a password or a session by then, or was ever confirmed or onboarded (an account that lost its
 *   password later, to better-auth's emailed-code sign-in of an unconfirmed address, is not a
 *   cut-off sign-up), and the sign-up runs again. (Every way this app makes a user gives it a
 *   password or a session at once: no admin-created users, no sign-up by code.);
 * - committed whole just as the database went away, it is answered as a sign-in with the same
 *   password would be: the password is checked (a wrong one gets the original "already exists"),
 *   under sign-in's per-account limit, and two-factor is asked for if on.
 */
async function signUpRetried(event: H3Event, response: Response): Promise<Response> {
  if (response.status !== 422 || useEnv().EMAIL_VERIFICATION === 'required') return response
  const body = await readBody<{ email?: unknown, password?: unknown }>(event)
  if (typeof body?.email !== 'string' || typeof body.password !== 'string') return response
  const user = await useDb().user.findUnique({ where: { email: body.email.toLowerCase() }, select: { id: true, createdAt: true } })
  if (!user) return response
  const age = Date.now() - user.createdAt.getTime()
  if (age > SIGN_UP_RETRY_MS) return response
  // Not while a sign-up for it may still be running (its password is written milliseconds after its user).
  const { count: halfWritten } = age > SIGN_UP_SETTLE_MS ? await useDb().user.deleteMany({ where: { id: user.id, emailVerified: false, onboardedAt: null, accounts: { none: {} }, sessions: { none: {} } } }) : { count: 0 }
  if (halfWritten) return await authAgain(event, '/api/auth/sign-up/email', body)
  await applyLimits(event, { ...SIGN_IN_ROUTE, limits: SIGN_IN_ROUTE.limits?.filter(limit => limit.per === 'email') }, { email: body.email })
  const signIn = await authAgain(event, '/api/auth/sign-in/email', { email: body.email, password: body.password })
  return signIn.ok ? signIn : response
}

/** better-auth's answer to a POST of `body` to `path`, sent with this request's headers. */
async function authAgain(event: H3Event, path: string, body: object): Promise<Response> {
  const request = toWebRequest(event)
  const response = await useServerAuth().handler(new Request(new URL(path, request.url), {
    method: 'POST',
    headers: authHeaders(event, new Headers(request.headers)),
    body: JSON.stringify(body),
  }))
  if (event.context.unavailable) throw createError({ statusCode: 503 })
  return response
}

/** Whether this request comes from a page of this site in a browser (which keeps its session in the cookie). */
function sameOriginBrowser(event: H3Event): boolean {
  const origin = getRequestHeader(event, 'origin')
  if (origin) return origin === new URL(useEnv().BETTER_AUTH_URL).origin
  return getRequestHeader(event, 'sec-fetch-site') === 'same-origin'
}

/**
 * A redirect from better-auth stays on this site (an OAuth start may go to its provider): any other
 * target, such as `//evil.com` made from an errorCallbackURL of `/.//evil.com`, becomes /login.
 */
function keepRedirectOnSite(response: Response, route: Route) {
  const location = response.headers.get('location')
  if (!location || route.offSite || sameSitePath(location, new URL(useEnv().BETTER_AUTH_URL).origin)) return
  response.headers.set('location', '/login?error=invalid_redirect')
}

/**
 * A provider's redirect back for an account with two-factor on: no session yet (the plugin's hook
 * left `{ twoFactorRedirect }` on it), so the browser goes to /login-2fa, then where it was going.
 */
async function onToSecondFactor(response: Response) {
  const location = response.headers.get('location')
  if (!location || !await stoppedAtSecondFactor(response)) return
  response.headers.set('location', `/login-2fa?redirect=${encodeURIComponent(safeRedirect(location))}`)
}

/** A sign-in that stopped at its second factor: no session exists yet, so no token goes out either. */
async function awaitsSecondFactor(response: Response): Promise<boolean> {
  return response.headers.has('set-auth-token') && await stoppedAtSecondFactor(response)
}

/** Whether better-auth's answer is `{ twoFactorRedirect: true }`: a sign-in waiting for its second factor. */
async function stoppedAtSecondFactor(response: Response): Promise<boolean> {
  if (!response.headers.get('content-type')?.includes('application/json')) return false
  const body = await response.clone().json().catch(() => undefined) as { twoFactorRedirect?: unknown } | undefined
  return body?.twoFactorRedirect === true
}

/** better-auth's bare refusals (a 404 or 415 with no body) as JSON like every other error. */
async function withJsonError(response: Response): Promise<Response> {
  if (response.headers.get('content-type')?.includes('application/json') || response.status < 400) return response
  const headers = new Headers(response.headers)
  headers.set('content-type', 'application/json')
  headers.delete('content-length')
  const message = response.status === 404 ? 'Not found' : response.statusText || 'Request failed'
  return new Response(JSON.stringify({ success: false, message }), { status: response.status, statusText: response.statusText, headers })
}

/**
 * With EMAIL_VERIFICATION=required a taken address gets a made-up user, which lacks fields a real
 * one has (`role`): answer only fields both have, so the two cannot be told apart.
 */
function sameForAnyAddress(body: unknown): unknown {
  const { user } = (body ?? {}) as { user?: Record<string, unknown> }
  if (!user) return body
  const { id, email, name, image, emailVerified, createdAt, updatedAt } = user
  return { ...body as object, user: { id, email, name, image: image ?? null, emailVerified, createdAt, updatedAt } }
}

/** better-auth's 429s as ours: the same JSON and a true Retry-After. */
async function refuseTooMany(event: H3Event, response: Response): Promise<never> {
  const { code } = await response.clone().json().catch(() => ({})) as { code?: string }
  if (code === 'ACCOUNT_TEMPORARILY_LOCKED') {
    tooManyRequests(event, await twoFactorLockWait(event), wait => `Too many wrong codes: sign-in with a second factor is locked for this account. Try again in ${wait}.`)
  }
  // The per-IP limit.
  tooManyRequests(event, Number(response.headers.get('x-retry-after')) || 10)
}

// better-auth's terse refusals, said so a person knows why and what to do next.
export const CLEAR_MESSAGES: Record<string, string> = {
  INVALID_OTP: 'That code is not right. Check the newest email; each code allows 3 tries.',
  OTP_EXPIRED: 'This code has expired: codes work for 5 minutes. Ask for a new one.',
  TOO_MANY_ATTEMPTS: 'Too many wrong tries: this code no longer works. Ask for a new one.',
  INVALID_CODE: 'That code is not right. Enter the 6 digits your authenticator app shows now.',
  INVALID_BACKUP_CODE: 'That backup code is not right, or it was used already.',
  INVALID_TWO_FACTOR_COOKIE: 'This sign-in has expired. Enter your email and password again.',
  SESSION_NOT_FRESH: 'You signed in a while ago. Confirm your password, then try again.',
  FAILED_TO_UNLINK_LAST_ACCOUNT: 'This is the only way you can sign in to this account, so it cannot be disconnected.',
}

/** better-auth's refusal as every API error of this app reads: `{ success: false, message, code }`, said clearly. */
function withClearMessage(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body
  const { code, success } = body as { code?: unknown, success?: unknown }
  const message = typeof code === 'string' && CLEAR_MESSAGES[code]
  if (!message && success === false) return body
  return { ...body, success: false, ...(message && { message }) }
}

/** The response with its JSON body passed through `change` (the same response if nothing changed). */
async function rewriteJson(response: Response, change: (body: unknown) => unknown): Promise<Response> {
  if (!response.headers.get('content-type')?.includes('application/json')) return response
  const body: unknown = await response.clone().json().catch(() => undefined)
  const changed = change(body)
  if (changed === body) return response
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  return new Response(JSON.stringify(changed), { status: response.status, statusText: response.statusText, headers })
}

/** Names under which a body could carry a session or provider token. */
const TOKEN_KEYS = new Set(['token', 'sessionToken', 'accessToken', 'refreshToken', 'idToken'])

/** `body` without any token, at any depth; the same object if it had none. */
export function stripTokens(body: unknown): unknown {
  if (Array.isArray(body)) {
    const items = body.map(stripTokens)
    return items.some((item, i) => item !== body[i]) ? items : body
  }
  if (!body || typeof body !== 'object' || body instanceof Date) return body
  let changed = false
  const kept: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(body)) {
    if (TOKEN_KEYS.has(key)) {
      changed = true
      continue
    }
    const inner = stripTokens(value)
    changed ||= inner !== value
    kept[key] = inner
  }
  return changed ? kept : body
}
