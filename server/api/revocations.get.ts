import { safeEqual } from '../platform/digest'
import { REVOKED_SESSION } from '../sessions/end'

/**
 * For resource servers that verify our JWTs without a database: the ids of sessions ended within
 * the last JWT lifetime and of banned users, as a JWT signed with our JWKS keys (audience
 * `<JWT_ISSUER>/revocations`, valid 60 s). Needs `Authorization: Bearer <REVOCATION_LIST_KEY>`;
 * without that setting the route does not exist.
 */
export default defineEventHandler(async (event) => {
  const key = useEnv().REVOCATION_LIST_KEY
  if (!key) throw createError({ statusCode: 404, message: 'Not found' })
  if (!safeEqual(getRequestHeader(event, 'authorization') ?? '', `Bearer ${key}`)) {
    throw createError({ statusCode: 401, message: 'A valid revocation list key is required' })
  }
  const now = new Date()
  const [sessions, users] = await Promise.all([
    useDb().verification.findMany({ where: { identifier: REVOKED_SESSION, expiresAt: { gt: now } }, select: { value: true } }),
    useDb().user.findMany({ where: { banned: true, OR: [{ banExpires: null }, { banExpires: { gt: now } }] }, select: { id: true } }),
  ])
  const { token } = await useServerAuth().api.signJWT({
    body: {
      payload: {
        aud: `${useEnv().JWT_ISSUER}/revocations`,
        exp: Math.floor(now.getTime() / 1000) + 60,
        sessions: sessions.map(s => s.value),
        users: users.map(u => u.id),
      },
    },
  })
  setResponseHeader(event, 'cache-control', 'no-store')
  return { success: true as const, data: { token } }
})
