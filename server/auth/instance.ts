import type { H3Event } from 'h3'
import { betterAuth } from 'better-auth'
import { kyselyAdapter } from '@better-auth/kysely-adapter'
import { APIError, createAuthMiddleware } from 'better-auth/api'
import type { GenericEndpointContext } from 'better-auth'
import { admin, bearer, emailOTP, genericOAuth, jwt, openAPI, twoFactor } from 'better-auth/plugins'
import type { JwtOptions } from 'better-auth/plugins/jwt'
import { cachedSigningKeys, setJwtHeader } from './jwt-keys'
import { PASSWORD_LIMIT } from './route-table'
import { databaseUnreachable, rootMessage } from '../platform/outage'
import { auditAccountLinked, auditAfterHook, auditBeforeHook, auditEmailVerified, auditOAuthSignUp, recordAudit } from '../audit/audit'
import { EMAIL_LINK_LIFETIME, sendCodeNeedsConfirmedAddressMail, sendExistingAccountMail, sendResetMail, sendSignInCodeMail, sendVerificationMail, SIGN_IN_CODE_LIFETIME } from './account-mail'
import { isAdminEmail } from './admin-emails'
import { clearLimit, DISPOSABLE_EMAIL_MESSAGE, isDisposableEmail } from './limits'
import { oidcConfig } from './oauth'
import { firstFactorStillValid, noteHashAtStart, notePendingSecondFactor, passwordHasher, passwordUnchangedSince } from './password'
import { reauthenticate } from './reauthenticate'
import { secondFactorAfterEveryFirstFactor, TWO_FACTOR_LOCKOUT } from './two-factor'
import { CLIENT_IP_HEADER, clientIp } from '../platform/client-ip'
import { databaseOutage, databaseProvider, useDb, useKysely } from '../platform/db'
import { useEnv } from '../platform/env'
import { resilientRedisStorage, useRedis } from '../platform/redis'
import { withRevocation } from '../sessions/revocation'
import { USER_FIELDS } from '../../shared/utils/user-fields'

const NEW_PASSWORD_PATHS = new Set(['/change-password', '/admin/set-user-password'])

function createAuth() {
  const env = useEnv()
  const redis = useRedis()
  const postgres = databaseProvider(env.DATABASE_URL) === 'postgres'
  // Short-lived JWTs for resource servers (GET /api/auth/token), verified with the public keys
  // at /api/auth/jwks. Keys rotate; a retired key stays published for the grace period.
  const jwtOptions = {
    jwks: {
      keyPairConfig: { alg: 'EdDSA', crv: 'Ed25519' },
      rotationInterval: env.JWKS_ROTATION_INTERVAL,
      gracePeriod: env.JWKS_GRACE_PERIOD,
    },
    jwt: {
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      expirationTime: `${env.JWT_EXPIRES_IN}s`,
      definePayload: ({ user, session }) => ({ email: user.email, role: user.role ?? 'user', sid: session.id }),
    },
    // Signing reads no database (the keys are kept a minute), and only a client's own get-session gets a token.
    adapter: cachedSigningKeys,
    disableSettingJwtHeader: true,
  } satisfies JwtOptions
  return betterAuth({
    baseURL: env.BETTER_AUTH_URL,
    basePath: '/api/auth',
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: [...env.TRUSTED_ORIGINS, ...env.CORS_ORIGINS],
    // better-auth queries through Kysely, its own query builder, on the connections Prisma uses
    // (useKysely): a session lookup costs the query alone, where Prisma 6 compiles each query first
    // (a third of the server's CPU in a soak on SQLite; on PostgreSQL, a lookup from the database
    // took several times a lookup in Redis).
    database: withRevocation(kyselyAdapter(useKysely(), { type: postgres ? 'postgres' : 'sqlite' })),
    // With Redis and PostgreSQL: a copy of each session in Redis, shared by every instance and
    // trusted only in the epoch it was written in (see redis.ts); the database keeps every session,
    // and decides. SQLite (one process, in it) answers faster than a Redis round trip: no copies.
    secondaryStorage: redis && postgres ? resilientRedisStorage(redis) : undefined,
    // Links and codes in the database as well: Redis may keep nothing on disk, and a restart must
    // not void every reset link and sign-in code in flight.
    verification: { storeInDatabase: true },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      password: passwordHasher,
      maxPasswordLength: 128,
      // A password reset ends every session: whoever knew the old password is out.
      revokeSessionsOnPasswordReset: true,
      resetPasswordTokenExpiresIn: EMAIL_LINK_LIFETIME,
      sendResetPassword: async ({ user, token }) => sendResetMail(user, token),
      onPasswordReset: async ({ user }, request) => {
        await forgetOldPasswordGrants(user.id)
        // A password lock (someone guessing) ends with the new password: its owner proved the mailbox.
        await clearLimit(PASSWORD_LIMIT, user.email)
        await recordAudit({ type: 'password_reset', userId: user.id, email: user.email, headers: request?.headers })
        // The link proved the address, and whoever had the account before is out: ADMIN_EMAILS holds.
        await promoteAdminEmail(user, { emailVerified: true })
      },
      // EMAIL_VERIFICATION=required: no sign-in before the address is confirmed, and sign-up answers
      // alike for new and taken addresses (the owner of a taken one gets a mail instead).
      requireEmailVerification: env.EMAIL_VERIFICATION === 'required',
      onExistingUserSignUp: async ({ user }) => sendExistingAccountMail(user),
    },
    emailVerification: {
      sendOnSignUp: true,
      sendOnSignIn: env.EMAIL_VERIFICATION === 'required',
      expiresIn: EMAIL_LINK_LIFETIME,
      sendVerificationEmail: async ({ user, token }) => sendVerificationMail(user, token),
    },
    // "Continue with Google" when GOOGLE_CLIENT_ID/SECRET are set.
    socialProviders: env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET
      ? { google: { clientId: env.GOOGLE_CLIENT_ID, clientSecret: env.GOOGLE_CLIENT_SECRET, prompt: 'select_account' } }
      : {},
    // An OAuth identity joins an existing account only when its owner links it while signed in
    // (/account/security), never on its own because the email addresses match.
    // An OAuth callback that cannot be tied to a sign-in this browser started lands on /login?error=.
    // Anything else that fails inside better-auth (the database gone, say) is thrown to our error
    // handler (server/error.ts), which answers 503 for an outage and a JSON 500 otherwise, not an empty 500.
    onAPIError: { errorURL: '/login', throw: true },
    // better-auth logs a failed database call with its stack on every request; an outage is logged once (server/platform/outage.ts).
    logger: { log: logAuthMessage },
    account: { accountLinking: { enabled: true, disableImplicitLinking: true, allowDifferentEmails: false } },
    session: {
      expiresIn: env.SESSION_EXPIRES_IN,
      updateAge: env.SESSION_UPDATE_AGE,
      freshAge: env.SESSION_FRESH_AGE,
      storeSessionInDatabase: true,
      // Off by default: a signed cookie cache keeps revoked sessions valid for its whole maxAge.
      cookieCache: { enabled: env.SESSION_COOKIE_CACHE > 0, maxAge: env.SESSION_COOKIE_CACHE },
    },
    user: {
      deleteUser: { enabled: true },
      // Set by /onboarding only (input: false): a sign-up body cannot skip it.
      additionalFields: USER_FIELDS,
    },
    // API and mobile clients: sign-in answers `set-auth-token`, sent back as `Authorization: Bearer`.
    // Signed tokens only, so a bearer is exactly the cookie's value, with the same revocation.
    plugins: [
      // Generates the OpenAPI schema behind /api/reference (development only; see handleAuthRequest).
      openAPI({ disableDefaultReference: true }),
      bearer({ requireSignature: true }),
      reauthenticate(),
      // One OpenID Connect provider from OIDC_ISSUER (discovery, PKCE); none without it.
      genericOAuth({ config: oidcConfig(env) }),
      // TOTP second factor: enrolled on /account/security (secret and backup codes encrypted at rest).
      // Sign-in of an enrolled user answers `twoFactorRedirect` until a code is verified.
      // One second-factor rule whatever the first factor: an emailed code or a provider is followed by it too.
      secondFactorAfterEveryFirstFactor(twoFactor({ issuer: 'SessionKit', accountLockout: TWO_FACTOR_LOCKOUT, backupCodeOptions: { amount: 10 } })),
      // Sign-in by emailed code, for existing accounts only (an unknown address gets the same
      // answer and no mail). Stored hashed; 5 minutes; a 4th try, right or wrong, is refused.
      emailOTP({
        expiresIn: SIGN_IN_CODE_LIFETIME,
        allowedAttempts: 3,
        storeOTP: 'hashed',
        disableSignUp: true,
        sendVerificationOTP: async ({ email, otp, type }) => {
          if (type === 'sign-in') await mailSignInCode(email, otp)
        },
      }),
      admin({
        defaultRole: 'user',
        bannedUserMessage: 'This account has been suspended. Contact support if you think this is a mistake.',
      }),
      // Short-lived JWTs for resource servers (GET /api/auth/token), verified with the public keys
      // at /api/auth/jwks. Keys rotate; a retired key stays published for the grace period.
      jwt(jwtOptions),
    ],
    databaseHooks: {
      // ADMIN_EMAILS: the first administrators, made by configuration rather than a built-in password.
      // Only ever raises: a role an administrator gives at creation stays.
      // Every way an account is made (sign-up, a one-time code, OAuth) refuses throwaway addresses.
      user: {
        create: {
          before: async (user) => {
            if (isDisposableEmail(user.email)) throw new APIError('BAD_REQUEST', { message: DISPOSABLE_EMAIL_MESSAGE, code: 'DISPOSABLE_EMAIL' })
            // Only an address its owner proved (a provider's verified email counts): whoever
            // registers it first must not become an administrator by typing it.
            return { data: user.emailVerified && isAdminEmail(user.email) ? { ...user, role: 'admin' } : user }
          },
          after: auditOAuthSignUp,
        },
        update: {
          after: async (user, ctx) => auditEmailVerified(user, ctx),
        },
      },
      account: { create: { after: auditAccountLinked } },
      session: {
        create: {
          // A password reset or change while this sign-in was checking the old password, or while
          // its second factor was awaited: no session for it.
          after: async (session, ctx) => {
            if (!ctx || await signInStillValid(session.userId, ctx)) return
            await ctx.context.internalAdapter.deleteSession(session.token)
            throw new APIError('UNAUTHORIZED', { message: PASSWORD_CHANGED_MESSAGE, code: 'PASSWORD_CHANGED' })
          },
        },
      },
      verification: {
        create: {
          // better-auth's row of a sign-in waiting for its second factor (`2fa-<id>`, holding the user id).
          after: async (verification, ctx) => {
            if (/^2fa-(?!attempts-)/.test(verification.identifier)) await notePendingSecondFactor(verification, ctx?.request)
          },
        },
      },
    },
    // Limits are the route table's, per IP and per account, for ours and better-auth's routes alike
    // (server/auth/route-table.ts, applied by server/auth/limits.ts).
    rateLimit: { enabled: false },
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] } },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path === '/sign-in/email') await noteHashAtStart(ctx.request, ctx.body?.email)
        await auditBeforeHook(ctx)
      }),
      after: createAuthMiddleware(async (ctx) => {
        // better-auth leaves the sessions of a user whose password an admin sets: end them, as a reset does.
        if (ctx.path === '/admin/set-user-password' && !(ctx.context.returned instanceof Error) && typeof ctx.body?.userId === 'string') {
          await ctx.context.internalAdapter.deleteUserSessions(ctx.body.userId)
        }
        // An unknown address gets a code stored like a known one (never mailed), so wrong tries run
        // out and expire alike and the answers cannot tell the two apart.
        if (ctx.path === '/email-otp/send-verification-otp' && !(ctx.context.returned instanceof Error)) await storeUnmailedCode(ctx.body?.email)
        // A new password, whoever sets it, voids the reset links still in flight.
        if (NEW_PASSWORD_PATHS.has(ctx.path) && !(ctx.context.returned instanceof Error)) {
          const userId = ctx.path === '/admin/set-user-password' ? ctx.body?.userId : ctx.context.session?.user.id
          if (typeof userId === 'string') await forgetOldPasswordGrants(userId)
        }
        await setJwtHeader(ctx, jwtOptions)
        await auditAfterHook(ctx)
      }),
    },
    telemetry: { enabled: false },
  })
}

/** Whether a session being made still rests on the account's current password (see server/auth/password.ts). */
async function signInStillValid(userId: string, ctx: GenericEndpointContext): Promise<boolean> {
  if (ctx.path === '/sign-in/email') return passwordUnchangedSince(ctx.request, userId, ctx.body?.password)
  if (ctx.path !== '/two-factor/verify-totp' && ctx.path !== '/two-factor/verify-backup-code') return true
  const pending = await ctx.getSignedCookie(ctx.context.createAuthCookie('two_factor').name, ctx.context.secret)
  return !pending || firstFactorStillValid(pending, userId)
}

export const PASSWORD_CHANGED_MESSAGE = 'The password of this account was changed while you were signing in. Sign in with the new password.'

/** Changes a user through better-auth's adapter, so every cached copy of its sessions is refreshed. */
export async function updateUser(id: string, data: Record<string, unknown>) {
  const { internalAdapter } = await useServerAuth().$context
  return internalAdapter.updateUser(id, data)
}

// What follows reaches into better-auth's internals (its context and internal adapter): only this file may.

/**
 * ADMIN_EMAILS makes an administrator of whoever proves both the address and the account at once:
 * confirming the address while signed in to it, or setting its password with an emailed reset link
 * (which ends every session). Confirming alone is not enough: whoever registered the address first
 * holds its password, and its owner's click would hand them the role.
 */
export async function promoteAdminEmail(user: { id: string, email: string, role?: string | null }, also: { emailVerified?: true } = {}) {
  if (user.role === 'admin' || !isAdminEmail(user.email)) return
  await updateUser(user.id, { role: 'admin', ...also })
  await recordAudit({ type: 'role_changed', userId: user.id, email: user.email, detail: { role: 'admin', by: 'ADMIN_EMAILS' } })
}

/**
 * Voids what the old password opened and is still in flight (after a reset, or a new password by
 * any route): every reset link of the user, and every sign-in of it waiting for its second factor
 * (better-auth's `2fa-<id>` row, and its `2fa-attempts-2fa-<id>` count).
 */
async function forgetOldPasswordGrants(userId: string) {
  const rows = await useDb().verification.findMany({ where: { value: userId, OR: [{ identifier: { startsWith: 'reset-password:' } }, { identifier: { startsWith: '2fa-' } }] }, select: { identifier: true } })
  if (!rows.length) return
  // Through better-auth: a copy may live in Redis too, and it is read first.
  const { internalAdapter } = await useServerAuth().$context
  for (const { identifier } of rows) {
    await internalAdapter.deleteVerificationByIdentifier(identifier)
    if (identifier.startsWith('2fa-')) await internalAdapter.deleteVerificationByIdentifier(`2fa-attempts-${identifier}`)
  }
}

/**
 * Mails a sign-in code to accounts it may sign in, and only those (the code stays stored either
 * way, so wrong guesses are answered alike):
 * - a suspended account gets none (its sign-in is refused anyway);
 * - an address never confirmed gets a mail saying codes work once it is: better-auth's code
 *   sign-in of an unconfirmed address removes its password and ends its sessions (taking them
 *   for a squatter's), which would leave its owner locked out of two-factor and password changes.
 */
async function mailSignInCode(email: string, code: string) {
  const { internalAdapter } = await useServerAuth().$context
  const found = await internalAdapter.findUserByEmail(email.toLowerCase())
  if (!found || (found.user as { banned?: boolean | null }).banned) return
  if (!found.user.emailVerified) return sendCodeNeedsConfirmedAddressMail(email)
  sendSignInCodeMail(email, code)
}

/**
 * After a sign-in code request for an address with no account: store a code as better-auth does
 * for a real one (and mail it to nobody), so wrong tries, lockout and expiry answer the same.
 */
async function storeUnmailedCode(email: unknown) {
  if (typeof email !== 'string') return
  const { internalAdapter } = await useServerAuth().$context
  if (await internalAdapter.findUserByEmail(email.toLowerCase())) return
  await useServerAuth().api.createVerificationOTP({ body: { email, type: 'sign-in' } })
}

function logAuthMessage(level: 'debug' | 'info' | 'success' | 'warn' | 'error', message: string, ...args: unknown[]) {
  const unreachable = args.find(databaseUnreachable)
  if (unreachable) return databaseOutage.begin(rootMessage(unreachable))
  const log = level === 'error' ? console.error : level === 'warn' ? console.warn : console.info
  log(`[better-auth] ${message}`, ...args)
}

let instance: ReturnType<typeof createAuth> | undefined

/** The better-auth instance of this process. */
export function useServerAuth() {
  instance ??= createAuth()
  return instance
}

export type AuthSession = ReturnType<typeof createAuth>['$Infer']['Session']

/** Headers for better-auth: the client IP is the one we determined (socket, or a trusted proxy), never one the client claims. */
export function authHeaders(event: H3Event, headers = new Headers(event.headers)): Headers {
  const ip = clientIp(event, useEnv().TRUST_PROXY)
  headers.delete(CLIENT_IP_HEADER)
  if (ip) headers.set(CLIENT_IP_HEADER, ip)
  return headers
}
