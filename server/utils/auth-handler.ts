import type { H3Event } from 'h3'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Requests whose answer must not tell whether an address has an account. A known address costs
 * more (a token is stored, a mail composed and sent after the answer), so they all answer no
 * sooner than ACCOUNT_BLIND_ANSWER_MS after they arrived: longer than that work takes.
 */
const ACCOUNT_BLIND_PATHS = new Set(['/api/auth/request-password-reset', '/api/auth/send-verification-email', '/api/auth/email-otp/send-verification-otp'])
export const ACCOUNT_BLIND_ANSWER_MS = 250

/**
 * Hands a request to better-auth, and keeps session tokens out of JSON bodies: the HttpOnly
 * cookie is the only place they live.
 */
export async function handleAuthRequest(event: H3Event) {
  if (!import.meta.dev && event.path.startsWith('/api/auth/open-api/')) throw createError({ statusCode: 404, message: 'Not found' })
  // A GET never changes state: an emailed link opens a page that confirms with a POST (mail scanners
  // that prefetch links confirm nothing). Old-style links to better-auth's GET land on that page.
  if (event.path.startsWith('/api/auth/verify-email')) {
    return sendRedirect(event, `/verify-email?token=${encodeURIComponent(String(getQuery(event).token ?? ''))}`, 302)
  }
  // SESSION_MAX_AGE holds on better-auth's own routes too: an over-age session is ended first.
  const arrived = performance.now()
  if (readSignedCookie(event.headers)) await getAuthSession(event)
  const path = event.path.split('?')[0]!
  const settle = await checkAccountLimit(event, path)
  const request = toWebRequest(event)
  authHeaders(event, request.headers)
  const response = await useServerAuth().handler(request)
  await settle(response.status)
  if (response.status === 429) await refuseTooMany(event, response)
  if (ACCOUNT_BLIND_PATHS.has(path)) await sleep(Math.max(0, arrived + ACCOUNT_BLIND_ANSWER_MS - performance.now()))
  // CORS (server/middleware/cors.ts) exposes headers too: keep ours beside better-auth's.
  const exposed = getResponseHeader(event, 'access-control-expose-headers')
  if (exposed) {
    const names = new Set([exposed, response.headers.get('access-control-expose-headers')].join(',').split(',').map(h => h.trim()).filter(Boolean))
    response.headers.set('access-control-expose-headers', [...names].join(', '))
  }
  // Every auth answer concerns a session, except the public keys, which may be cached a while (a
  // retired key stays published for JWKS_GRACE_PERIOD; an unknown key id makes a verifier refetch).
  // A successful sign-out also wipes what the browser kept.
  response.headers.set('cache-control', path === '/api/auth/jwks' && response.ok ? 'public, max-age=300' : 'private, no-store')
  if (response.ok && path === '/api/auth/sign-out') response.headers.set('clear-site-data', '"cookies", "storage"')
  const clear = response.ok ? response : await rewriteJson(response, withClearMessage)
  // /token answers a JWT, made for handing out; every other `token` in a body is a session token.
  return path === '/api/auth/token' ? clear : rewriteJson(clear, stripTokens)
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
const CLEAR_MESSAGES: Record<string, string> = {
  INVALID_OTP: 'That code is not right. Check the newest email; each code allows 3 tries.',
  OTP_EXPIRED: 'This code has expired: codes work for 5 minutes. Ask for a new one.',
  TOO_MANY_ATTEMPTS: 'Too many wrong tries: this code no longer works. Ask for a new one.',
  INVALID_CODE: 'That code is not right. Enter the 6 digits your authenticator app shows now.',
  INVALID_BACKUP_CODE: 'That backup code is not right, or it was used already.',
  INVALID_TWO_FACTOR_COOKIE: 'This sign-in has expired. Enter your email and password again.',
  SESSION_NOT_FRESH: 'You signed in a while ago. Confirm your password, then try again.',
  FAILED_TO_UNLINK_LAST_ACCOUNT: 'This is the only way you can sign in to this account, so it cannot be disconnected.',
}

function withClearMessage(body: unknown): unknown {
  const code = (body as { code?: unknown } | undefined)?.code
  const message = typeof code === 'string' && CLEAR_MESSAGES[code]
  return message ? { ...body as object, message } : body
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

/** `body` without `token` at its top level, in `session`, or in list items; the same object if it had none. */
export function stripTokens(body: unknown): unknown {
  if (Array.isArray(body)) {
    const items = body.map(stripTokens)
    return items.some((item, i) => item !== body[i]) ? items : body
  }
  if (!body || typeof body !== 'object') return body
  const { token, session, ...rest } = body as Record<string, unknown>
  const inner = session === undefined ? undefined : stripTokens(session)
  if (token === undefined && inner === session) return body
  return session === undefined ? rest : { ...rest, session: inner }
}
