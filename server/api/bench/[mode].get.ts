import { useSessionCache } from '../../sessions/cache'
import { z } from 'zod'

const Params = z.object({ mode: z.enum(['open', 'fast', 'database', 'cache']) })

/**
 * Identical JSON routes for `npm run bench` (404 unless BENCH_ROUTES=true): `open` checks nothing,
 * `fast` is requireSession (the cache), `database` is better-auth's getSession on every request;
 * `cache` reports the session cache of this process (its hit ratio, size, whether it hears changes).
 */
export default defineEventHandler(async (event) => {
  if (!useEnv().BENCH_ROUTES) throw createError({ statusCode: 404, message: 'Not found' })
  const { mode } = await getValidatedRouterParams(event, Params.parse)
  if (mode === 'cache') {
    const cache = useSessionCache()
    return { success: true as const, data: { hits: cache.hits, misses: cache.misses, size: cache.size, hearsChanges: cache.hearing } }
  }
  if (mode === 'fast') await requireSession(event)
  if (mode === 'database' && !await useServerAuth().api.getSession({ headers: event.headers })) {
    throw createError({ statusCode: 401, message: 'Authentication required' })
  }
  return { success: true as const, data: { ok: true } }
})
