import type { H3Event } from 'h3'
import { betterAuth } from 'better-auth'
import { prismaAdapter } from 'better-auth/adapters/prisma'
import { createAuthMiddleware } from 'better-auth/api'
import { admin, bearer, jwt, openAPI } from 'better-auth/plugins'

/** Set by us on every auth request, so a client cannot choose the IP stored on its session. */
export const CLIENT_IP_HEADER = 'x-session-client-ip'

function createAuth() {
  const env = useEnv()
  const redis = useRedis()
  return betterAuth({
    baseURL: env.BETTER_AUTH_URL,
    basePath: '/api/auth',
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: [...env.TRUSTED_ORIGINS, ...env.CORS_ORIGINS],
    database: withRevocation(prismaAdapter(useDb(), { provider: databaseProvider(env.DATABASE_URL) === 'postgres' ? 'postgresql' : 'sqlite' })),
    // With Redis: sessions and rate-limit counters there too, shared by every instance; the
    // database keeps every session as well, so listing devices and the audit work without it.
    secondaryStorage: redis && resilientRedisStorage(redis),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      password: passwordHasher,
      maxPasswordLength: 128,
      // A password reset ends every session: whoever knew the old password is out.
      revokeSessionsOnPasswordReset: true,
      sendResetPassword: async ({ user, url }) => useMailer().send({
        to: user.email,
        subject: 'Reset your password',
        text: `Someone asked to reset the password of your account. To choose a new one, open:\n\n${url}\n\nThe link works once, for one hour. If it was not you, ignore this message. Every device is signed out once the password is reset.`,
      }),
    },
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
      additionalFields: {
        displayName: { type: 'string', required: false, input: false },
        timeZone: { type: 'string', required: false, input: false },
        onboardedAt: { type: 'date', required: false, input: false },
      },
    },
    // API and mobile clients: sign-in answers `set-auth-token`, sent back as `Authorization: Bearer`.
    // Signed tokens only, so a bearer is exactly the cookie's value, with the same revocation.
    plugins: [
      // Generates the OpenAPI schema behind /api/reference (development only; see handleAuthRequest).
      openAPI({ disableDefaultReference: true }),
      bearer({ requireSignature: true }),
      admin({
        defaultRole: 'user',
        bannedUserMessage: 'This account has been suspended. Contact support if you think this is a mistake.',
      }),
      // Short-lived JWTs for resource servers (GET /api/auth/token), verified with the public keys
      // at /api/auth/jwks. Keys rotate; a retired key stays published for the grace period.
      jwt({
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
      }),
    ],
    databaseHooks: {
      // ADMIN_EMAILS: the first administrators, made by configuration rather than a built-in password.
      // Only ever raises: a role an administrator gives at creation stays.
      user: { create: { before: async user => ({ data: env.ADMIN_EMAILS.includes(user.email.toLowerCase()) ? { ...user, role: 'admin' } : user }) } },
    },
    rateLimit: { enabled: env.RATE_LIMIT, storage: redis ? 'secondary-storage' : 'memory' },
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] } },
    hooks: {
      before: createAuthMiddleware(auditBeforeHook),
      after: createAuthMiddleware(async (ctx) => {
        // better-auth leaves the sessions of a user whose password an admin sets: end them, as a reset does.
        if (ctx.path === '/admin/set-user-password' && !(ctx.context.returned instanceof Error) && typeof ctx.body?.userId === 'string') {
          await ctx.context.internalAdapter.deleteUserSessions(ctx.body.userId)
        }
        await auditAfterHook(ctx)
      }),
    },
    telemetry: { enabled: false },
  })
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
  // IPv4 clients of a dual-stack socket arrive as ::ffff:a.b.c.d; people know them as a.b.c.d.
  const ip = getRequestIP(event, { xForwardedFor: useEnv().TRUST_PROXY })?.replace(/^::ffff:(?=\d+\.)/, '')
  headers.delete(CLIENT_IP_HEADER)
  if (ip) headers.set(CLIENT_IP_HEADER, ip)
  return headers
}

/**
 * Hands a request to better-auth, and keeps session tokens out of JSON bodies: the HttpOnly
 * cookie is the only place they live.
 */
export async function handleAuthRequest(event: H3Event) {
  if (!import.meta.dev && event.path.startsWith('/api/auth/open-api/')) throw createError({ statusCode: 404, message: 'Not found' })
  // SESSION_MAX_AGE holds on better-auth's own routes too: an over-age session is ended first.
  if (readSignedCookie(event.headers)) await getAuthSession(event)
  const request = toWebRequest(event)
  authHeaders(event, request.headers)
  const response = await useServerAuth().handler(request)
  // better-auth names its 429's wait X-Retry-After; HTTP clients and proxies read Retry-After.
  const wait = response.status === 429 && response.headers.get('x-retry-after')
  if (wait) response.headers.set('retry-after', wait)
  // CORS (server/middleware/cors.ts) exposes headers too: keep ours beside better-auth's.
  const exposed = getResponseHeader(event, 'access-control-expose-headers')
  if (exposed) {
    const names = new Set([exposed, response.headers.get('access-control-expose-headers')].join(',').split(',').map(h => h.trim()).filter(Boolean))
    response.headers.set('access-control-expose-headers', [...names].join(', '))
  }
  const path = event.path.split('?')[0]
  // Every auth answer concerns a session, except the public keys, which may be cached a while (a
  // retired key stays published for JWKS_GRACE_PERIOD; an unknown key id makes a verifier refetch).
  // A successful sign-out also wipes what the browser kept.
  response.headers.set('cache-control', path === '/api/auth/jwks' && response.ok ? 'public, max-age=300' : 'private, no-store')
  if (response.ok && path === '/api/auth/sign-out') response.headers.set('clear-site-data', '"cookies", "storage"')
  // /token answers a JWT, made for handing out; every other `token` in a body is a session token.
  return path === '/api/auth/token' ? response : withoutTokens(response)
}

async function withoutTokens(response: Response): Promise<Response> {
  if (!response.headers.get('content-type')?.includes('application/json')) return response
  const body: unknown = await response.clone().json().catch(() => undefined)
  const stripped = stripTokens(body)
  if (stripped === body) return response
  const headers = new Headers(response.headers)
  headers.delete('content-length')
  return new Response(JSON.stringify(stripped), { status: response.status, statusText: response.statusText, headers })
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
