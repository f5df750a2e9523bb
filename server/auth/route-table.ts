import { z } from 'zod'
import { BanSchema } from '../../shared/utils/admin'
import { ChangePasswordSchema, EmailLinkSchema, OnboardingSchema, ReauthSchema } from '../../shared/utils/auth-forms'

/**
 * Who may call a route: anyone, any session, an onboarded user, one signed in within
 * SESSION_FRESH_AGE, an administrator, a sign-in waiting for its second factor (or a session),
 * the holder of a configured key, or nobody outside development / the bench.
 */
export type Caller = 'public' | 'session' | 'onboarded' | 'fresh' | 'admin' | 'second-factor' | 'key' | 'dev' | 'bench'

/** What a per-account limit counts by: the email in the body, the signed-in user, or the user of a pending second factor. */
export type AccountKey = 'email' | 'user' | 'second-factor'

/**
 * A limit on one kind of request. Routes naming the same `name` share one counter (every way to
 * guess a password counts against one budget). `failures` counts refused attempts only (taken
 * before the attempt, given back when it succeeds); `attempts` counts every request.
 */
export interface Limit {
  name: string
  per: 'ip' | AccountKey
  points: number
  /** Seconds. */
  duration: number
  /** `in-flight`: one request at a time per key (a second one meanwhile gets 429), for checks that are not atomic. */
  count: 'attempts' | 'failures' | 'in-flight'
  /** A product rule rather than an abuse limit: holds even with RATE_LIMIT=false. */
  always?: boolean
  /** The refusal, given the wait in words and whether this server sends mail (so other ways in can be named). */
  message?: (wait: string, mail: boolean) => string
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE'
  /** As the client calls it; `{id}` for a path parameter. */
  path: string
  caller: Caller
  summary: string
  /** The JSON body it takes (validated before the handler runs); a route without one takes none. */
  body?: z.ZodType
  limits?: Limit[]
  /** The response may carry a token made for handing out (a JWT). Every other body has tokens removed. */
  token?: true
  /** Sends mail: answers only where mail can go out (SMTP_URL, or the development outbox). */
  mail?: true
  /** May redirect to an OAuth provider (every other redirect stays on this site). */
  offSite?: true
  /**
   * Proves or changes what an account's sessions rest on: runs alone among such requests for the
   * same account (server/auth/account-lock.ts), which this names: the body's email, the signed-in
   * user, the pending second factor's user, an administrator's target (body userId or the path's
   * user id), the owner of the path's session, or the user of a reset link's token.
   */
  serial?: AccountKey | 'target' | 'session-owner' | 'reset-token'
}

// --- Limits ------------------------------------------------------------------------------------

/** A lock on one way in names the ways that still work, so locking someone out by guessing silences no one. */
const other = (byMail: string, otherwise = '') => (wait: string, mail: boolean) => `Too many attempts. Try again in ${wait}.${mail ? ` ${byMail}` : otherwise}`
/** Every way to guess an account's password shares this budget. */
export const PASSWORD_LIMIT: Limit = { name: 'password', per: 'email', points: 5, duration: 15 * 60, count: 'failures', message: other('You can still sign in with a code by email, or reset your password.') }
const PASSWORD_OF_USER: Limit = { ...PASSWORD_LIMIT, per: 'user', message: other('You can still reset your password by email.', ' You stay signed in meanwhile.') }
/** Codes mailed for sign-in: 3 tries per code (better-auth), and at most 10 wrong ones an hour per account. */
const SIGN_IN_CODE: Limit = { name: 'sign-in-code', per: 'email', points: 10, duration: 3600, count: 'failures', message: other('You can still sign in with your password, or reset it by email.') }
/**
 * better-auth counts a code's 3 tries with a read and a later write: tries sent at once would all be
 * checked. One try per account at a time keeps the count true.
 */
const ONE_CODE_TRY_AT_A_TIME: Limit = { name: 'sign-in-code-busy', per: 'email', points: 1, duration: 30, count: 'in-flight', always: true, message: wait => `Another code for this account is being checked. Try again in ${wait}.` }
/** Second-factor codes (TOTP and backup codes): a backstop behind better-auth's own lockout at sign-in (5 wrong codes). */
const SECOND_FACTOR: Limit = { name: 'second-factor', per: 'second-factor', points: 10, duration: 15 * 60, count: 'failures' }
const perIp = (name: string, points: number, duration: number): Limit => ({ name: `ip:${name}`, per: 'ip', points, duration, count: 'attempts' })
/** Sign-in, sign-up and every other guess of a secret: 3 per 10 s from one client address. */
const GUESS_IP = (name: string) => perIp(name, 3, 10)
/** Requests that send mail: 3 a minute from one client address. */
const MAIL_IP = (name: string) => perIp(name, 3, 60)
/** Any other auth request: 100 per 10 s from one client address. */
const AUTH_IP = (name: string) => perIp(name, 100, 10)
const perAccount = (name: string, points: number, duration: number, extra: Partial<Limit> = {}): Limit => ({ name, per: 'email', points, duration, count: 'attempts', ...extra })

// --- Bodies ------------------------------------------------------------------------------------

const email = z.string().trim().max(254)
const password = z.string().max(128)
const code = z.string().trim().max(20)
const id = z.string().min(1).max(128)
/** Where better-auth may send the browser afterwards: checked as a same-site path by the policy too. */
const target = z.string().max(2048).optional()

// --- The table ---------------------------------------------------------------------------------

const A = '/api/auth'

/**
 * Every endpoint that answers, ours and better-auth's, with its policy. Anything else under
 * /api answers 404 (or 405 for a known path with another method): better-auth's other endpoints
 * (email-OTP reset, impersonation, account info, provider tokens…) never answer.
 */
export const ROUTES: Route[] = [
  // better-auth: sign-up and sign-in
  { method: 'POST', path: `${A}/sign-up/email`, caller: 'public', summary: 'Create an account and sign in (`set-auth-token` for API clients)', body: z.object({ name: z.string().max(100), email, password, callbackURL: target }), limits: [GUESS_IP('sign-up'), perAccount('sign-up', 3, 3600)] },
  { method: 'POST', path: `${A}/sign-in/email`, caller: 'public', summary: 'Sign in (`set-auth-token` for API clients)', body: z.object({ email, password, callbackURL: target, rememberMe: z.boolean().optional() }), limits: [GUESS_IP('sign-in'), PASSWORD_LIMIT], serial: 'email' },
  { method: 'POST', path: `${A}/sign-out`, caller: 'public', summary: 'End this session' },
  { method: 'GET', path: `${A}/get-session`, caller: 'public', summary: 'The session, or null' },
  { method: 'POST', path: `${A}/sign-in/social`, caller: 'public', summary: 'Start sign-in with Google or the OpenID Connect provider', offSite: true, body: z.object({ provider: z.string().max(40), callbackURL: target, errorCallbackURL: target, newUserCallbackURL: target, disableRedirect: z.boolean().optional() }), limits: [AUTH_IP('sign-in-social')] },
  { method: 'GET', path: `${A}/callback/{id}`, caller: 'public', summary: 'Where the OAuth provider sends the browser back', limits: [AUTH_IP('callback')] },
  // better-auth: email links and codes
  { method: 'POST', path: `${A}/request-password-reset`, caller: 'public', mail: true, summary: 'Mail a reset link (one hour, single use; the same answer whether or not the address has an account)', body: z.object({ email, redirectTo: target }), limits: [MAIL_IP('reset'), perAccount('reset', 3, 3600)] },
  { method: 'POST', path: `${A}/reset-password`, caller: 'public', mail: true, summary: 'Set a new password with the emailed link\'s token; signs out every session', body: z.object({ token: z.string().max(2048), newPassword: password }), limits: [GUESS_IP('reset-password')], serial: 'reset-token' },
  { method: 'GET', path: `${A}/verify-email`, caller: 'public', mail: true, summary: 'An old-style confirmation link: opens /verify-email, which confirms with a POST' },
  { method: 'POST', path: `${A}/send-verification-email`, caller: 'public', mail: true, summary: 'Send the address confirmation link again (the same answer for any address)', body: z.object({ email, callbackURL: target }), limits: [MAIL_IP('verification'), perAccount('verification', 3, 3600)] },
  {
    method: 'POST', path: `${A}/email-otp/send-verification-otp`, caller: 'public', mail: true, summary: 'Mail a 6-digit sign-in code (the same answer for any address); one per minute per address',
    body: z.object({ email, type: z.literal('sign-in', 'The only code this app sends is a sign-in code: type must be "sign-in"') }),
    limits: [MAIL_IP('code'), perAccount('code-request', 1, 60, { always: true, message: wait => `A code was sent less than a minute ago. You can ask for a new one in ${wait}.` })],
  },
  { method: 'POST', path: `${A}/sign-in/email-otp`, caller: 'public', mail: true, summary: 'Sign in with that code (5 minutes, single use, 3 tries); a second factor still follows', body: z.object({ email, otp: code }), limits: [GUESS_IP('sign-in-code'), ONE_CODE_TRY_AT_A_TIME, SIGN_IN_CODE], serial: 'email' },
  // better-auth: two-factor
  { method: 'POST', path: `${A}/two-factor/enable`, caller: 'onboarded', summary: 'Start enrolment with the password: `totpURI` and 10 backup codes (shown only here)', body: z.object({ password }), limits: [GUESS_IP('password'), PASSWORD_OF_USER], serial: 'user' },
  { method: 'POST', path: `${A}/two-factor/verify-totp`, caller: 'second-factor', summary: 'A code from the app: turns two-factor on, or completes a sign-in', body: z.object({ code, trustDevice: z.boolean().optional() }), limits: [GUESS_IP('second-factor'), SECOND_FACTOR], serial: 'second-factor' },
  { method: 'POST', path: `${A}/two-factor/verify-backup-code`, caller: 'second-factor', summary: 'Complete a sign-in with a backup code (each works once)', body: z.object({ code, trustDevice: z.boolean().optional() }), limits: [GUESS_IP('second-factor'), SECOND_FACTOR], serial: 'second-factor' },
  { method: 'POST', path: `${A}/two-factor/disable`, caller: 'onboarded', summary: 'Turn two-factor off (password)', body: z.object({ password }), limits: [GUESS_IP('password'), PASSWORD_OF_USER], serial: 'user' },
  { method: 'POST', path: `${A}/two-factor/generate-backup-codes`, caller: 'onboarded', summary: '10 new backup codes (password); the old ones stop working', body: z.object({ password }), limits: [GUESS_IP('password'), PASSWORD_OF_USER], serial: 'user' },
  // better-auth: connected sign-in providers
  { method: 'GET', path: `${A}/list-accounts`, caller: 'session', summary: 'The ways this account signs in (password, providers)' },
  { method: 'POST', path: `${A}/link-social`, caller: 'onboarded', offSite: true, summary: 'Connect a provider to this account (same email only)', body: z.object({ provider: z.string().max(40), callbackURL: target, errorCallbackURL: target }), limits: [AUTH_IP('link-social')] },
  { method: 'POST', path: `${A}/unlink-account`, caller: 'fresh', summary: 'Disconnect a provider (needs a recent sign-in; never the last way in)', body: z.object({ accountId: z.string().max(256).optional(), providerId: z.string().max(40).optional() }), limits: [AUTH_IP('unlink')] },
  // better-auth: tokens for API clients and resource servers
  { method: 'GET', path: `${A}/token`, caller: 'session', token: true, summary: 'A JWT for resource servers' },
  { method: 'GET', path: `${A}/jwks`, caller: 'public', summary: 'The public keys that verify those JWTs' },
  // better-auth: administration
  { method: 'POST', path: `${A}/admin/set-role`, caller: 'admin', summary: 'Give a user a role', body: z.object({ userId: id, role: z.enum(['user', 'admin']) }), limits: [AUTH_IP('admin')], serial: 'target' },
  { method: 'POST', path: `${A}/admin/set-user-password`, caller: 'admin', summary: 'Set a user\'s password; their sessions end', body: z.object({ userId: id, newPassword: password }), limits: [AUTH_IP('admin')], serial: 'target' },
  { method: 'POST', path: `${A}/admin/ban-user`, caller: 'admin', summary: 'Ban a user; their sessions end at once', body: z.object({ userId: id, banReason: z.string().max(500).optional(), banExpiresIn: z.number().int().positive().max(100 * 365 * 86400).optional() }), limits: [AUTH_IP('admin')], serial: 'target' },
  { method: 'POST', path: `${A}/admin/unban-user`, caller: 'admin', summary: 'Lift a ban', body: z.object({ userId: id }), limits: [AUTH_IP('admin')], serial: 'target' },

  // Ours
  { method: 'GET', path: '/api/session', caller: 'public', summary: 'The session (`data`), or null and why it ended (`ended`)' },
  { method: 'GET', path: '/api/providers', caller: 'public', summary: 'The OAuth providers offered for sign-in (`id`, `name`), and whether mail goes out (`mail`)' },
  { method: 'GET', path: '/api/me', caller: 'session', summary: 'The signed-in user' },
  { method: 'POST', path: '/api/account/onboarding', caller: 'session', body: OnboardingSchema, summary: 'Set display name and time zone; completes onboarding' },
  { method: 'POST', path: '/api/account/verify-email', caller: 'public', body: EmailLinkSchema, mail: true, summary: 'Confirm an email address with `{ token }` from the emailed link (single use)', limits: [GUESS_IP('verify-email')] },
  { method: 'POST', path: '/api/account/delete', caller: 'session', body: ReauthSchema, summary: 'Delete the account (password required)', limits: [GUESS_IP('password'), PASSWORD_OF_USER], serial: 'user' },
  { method: 'POST', path: '/api/account/password', caller: 'onboarded', body: ChangePasswordSchema, summary: 'Change the password; signs out other devices by default', limits: [GUESS_IP('password'), PASSWORD_OF_USER], serial: 'user' },
  { method: 'GET', path: '/api/account/events', caller: 'onboarded', summary: 'Recent security events of the account' },
  { method: 'GET', path: '/api/sessions', caller: 'onboarded', summary: 'Every session of the user, this device first' },
  { method: 'DELETE', path: '/api/sessions/{id}', caller: 'onboarded', summary: 'End one session (another device needs a fresh sign-in)', serial: 'user' },
  { method: 'POST', path: '/api/sessions/reauthenticate', caller: 'onboarded', body: ReauthSchema, summary: 'Confirm the password; swaps this session for a fresh one', limits: [GUESS_IP('password'), PASSWORD_OF_USER], serial: 'user' },
  { method: 'POST', path: '/api/sessions/revoke-others', caller: 'fresh', summary: 'End every other session', serial: 'user' },
  { method: 'POST', path: '/api/sessions/revoke-all', caller: 'fresh', summary: 'End every session, this one included', serial: 'user' },
  { method: 'GET', path: '/api/admin/users', caller: 'admin', summary: 'Search and page through users' },
  { method: 'GET', path: '/api/admin/users/{id}/sessions', caller: 'admin', summary: 'A user\'s sessions' },
  { method: 'POST', path: '/api/admin/users/{id}/ban', caller: 'admin', body: BanSchema, summary: 'Ban a user; their sessions end at once', serial: 'target' },
  { method: 'POST', path: '/api/admin/users/{id}/unban', caller: 'admin', summary: 'Lift a ban', serial: 'target' },
  { method: 'POST', path: '/api/admin/users/{id}/revoke-sessions', caller: 'admin', summary: 'End every session of a user', serial: 'target' },
  { method: 'DELETE', path: '/api/admin/sessions/{id}', caller: 'admin', summary: 'End one session of any user', serial: 'session-owner' },
  { method: 'GET', path: '/api/admin/audit', caller: 'admin', summary: 'Everyone\'s security events' },
  { method: 'GET', path: '/api/revocations', caller: 'key', summary: 'Signed list of ended sessions and banned users, for resource servers' },
  // Tooling
  { method: 'GET', path: '/api/openapi.json', caller: 'dev', summary: 'This API as one OpenAPI document' },
  { method: 'GET', path: '/api/reference', caller: 'dev', summary: 'The API reference over that document' },
  { method: 'GET', path: '/api/bench/{mode}', caller: 'bench', summary: 'Identical routes for `npm run bench`' },
]

/** Fields of a body or query that name where the browser goes next: same-site paths only. */
export const REDIRECT_FIELDS = ['callbackURL', 'errorCallbackURL', 'newUserCallbackURL', 'redirectTo'] as const

/** How each caller class is described in the README and the OpenAPI document. */
export const CALLER_TEXT: Record<Caller, string> = {
  'public': 'anyone',
  'session': 'session',
  'onboarded': 'onboarded user',
  'fresh': 'onboarded user, recent sign-in',
  'admin': 'administrator',
  'second-factor': 'a sign-in waiting for its second factor, or a session',
  'key': '`REVOCATION_LIST_KEY` holder',
  'dev': 'development only',
  'bench': '`BENCH_ROUTES=true` only',
}

// Looked up on every /api request: fixed paths by a map, the few with a parameter by pattern.
const fixed = new Map<string, Route[]>()
const patterned: { route: Route, pattern: RegExp }[] = []
for (const route of ROUTES) {
  if (route.path.includes('{')) patterned.push({ route, pattern: new RegExp(`^${route.path.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`) })
  else fixed.set(route.path, [...fixed.get(route.path) ?? [], route])
}

/** The routes declared for a (canonical) path, whatever their method. */
export function routesFor(path: string): Route[] {
  const matched = patterned.filter(p => p.pattern.test(path)).map(p => p.route)
  const exact = fixed.get(path)
  return exact ? [...exact, ...matched] : matched
}
