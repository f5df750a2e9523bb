import type { GenericEndpointContext } from 'better-auth'
import { getJwtToken, type Jwk, type JwtOptions } from 'better-auth/plugins/jwt'

/** How long this process signs with the keys it read before reading them again. */
export const SIGNING_KEYS_CACHE_MS = 60_000

let cached: { keys: Jwk[], until: number } | undefined

const readKeys = (ctx: GenericEndpointContext) => ctx.context.adapter.findMany<Jwk>({ model: 'jwks' })
const live = (key: Jwk, now = new Date()) => !key.expiresAt || new Date(key.expiresAt) > now

/**
 * The jwt plugin's key store, so that signing a token reads no database: the keys are kept in
 * memory for SIGNING_KEYS_CACHE_MS (a key that expires in the meantime is replaced as before).
 * The published set (GET /api/auth/jwks) is always read fresh, so a key another instance has
 * just made verifies at once.
 */
export const cachedSigningKeys: NonNullable<JwtOptions['adapter']> = {
  async getJwks(ctx) {
    if (ctx.path !== '/jwks' && cached && Date.now() < cached.until) return cached.keys
    const keys = await readKeys(ctx)
    cached = { keys, until: Date.now() + SIGNING_KEYS_CACHE_MS }
    return keys
  },
  async createJwk(data, ctx) {
    // Another instance may have made a key since this one read them: sign with it rather than add one more.
    const keys = await readKeys(ctx)
    const alg = (key: { alg?: string | null }) => key.alg ?? 'EdDSA'
    const current = keys.filter(key => live(key) && alg(key) === alg(data)).sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime())[0]
    if (current) {
      cached = { keys, until: Date.now() + SIGNING_KEYS_CACHE_MS }
      return current
    }
    const created = await ctx.context.adapter.create<Omit<Jwk, 'id'>, Jwk>({ model: 'jwks', data: { ...data, createdAt: new Date() } })
    cached = { keys: [...keys, created], until: Date.now() + SIGNING_KEYS_CACHE_MS }
    return created
  },
}

/**
 * `set-auth-jwt` on an HTTP GET /api/auth/get-session, as the jwt plugin sends it, but not on the
 * server's own session checks (auth.api.getSession), which must not sign a token nobody reads.
 */
export async function setJwtHeader(ctx: GenericEndpointContext, options: JwtOptions) {
  if (ctx.path !== '/get-session' || !ctx.request) return
  const session = ctx.context.session || ctx.context.newSession
  if (!session?.session) return
  const jwt = await getJwtToken({ ...ctx, context: { ...ctx.context, session } } as GenericEndpointContext, options)
  ctx.setHeader('set-auth-jwt', jwt)
}
