import pg from 'pg'
import { z } from 'zod'

const BusMessage = z.object({
  from: z.string().optional(),
  sessionId: z.string().optional(),
  sessionIds: z.array(z.string()).optional(),
  userId: z.string().optional(),
  userIds: z.array(z.string()).optional(),
})

/** Parses a bus message into what to evict; null for a malformed one or our own. */
function eviction(payload: string) {
  const parsed = BusMessage.safeParse(JSON.parse(payload))
  if (!parsed.success || parsed.data.from === INSTANCE_ID) return null
  const { from, sessionId, sessionIds = [], userId, userIds = [] } = parsed.data
  // Messages from PostgreSQL's trigger carry no sender: the change may have gone around better-auth.
  const direct = from === undefined
  return { sessionIds: sessionId ? [sessionId, ...sessionIds] : sessionIds, userIds: userId ? [userId, ...userIds] : userIds, direct }
}

/** Removes the Redis copies of a user's sessions, which embed the user (role, ban) as it was. */
async function dropUserSessionCopies(userIds: string[]) {
  const redis = useRedis()
  if (!redis) return
  for (const userId of userIds) {
    const list = await redis.get(`${REDIS_KEY_PREFIX}active-sessions-${userId}`).catch(() => null)
    const tokens = z.array(z.object({ token: z.string() })).safeParse(list && JSON.parse(list)).data?.map(s => `${REDIS_KEY_PREFIX}${s.token}`)
    if (tokens?.length) await redis.del(...tokens).catch(() => {})
  }
}

/**
 * Listens for sessions ended elsewhere: other instances (Redis pub/sub) and direct database
 * changes (PostgreSQL LISTEN on the trigger's channel). After a connection drop, events may have
 * been missed, so the whole cache is dropped once it is back.
 */
export default defineNitroPlugin((nitro) => {
  const env = useEnv()
  const cache = useSessionCache()
  const apply = (payload: string) => {
    try {
      const target = eviction(payload)
      if (!target) return
      cache.evict(target)
      // A row changed behind better-auth's back still has a copy in secondary storage: remove its
      // user's (the message names no token, so every copy of that user's sessions goes).
      // Evicted again once they are gone: a request in between may have re-cached a stale copy.
      if (target.direct) dropUserSessionCopies(target.userIds).then(() => cache.evict(target), () => {})
    }
    catch {
      console.warn('[revocation] ignored a malformed message')
    }
  }
  const closers: (() => Promise<unknown>)[] = []

  if (env.REDIS_URL) {
    const subscriber = connectRedis('subscriber')
    let connectedOnce = false
    subscriber.on('ready', () => {
      if (connectedOnce) cache.clear()
      connectedOnce = true
    })
    subscriber.subscribe(REVOCATION_CHANNEL).catch(() => {})
    subscriber.on('message', (_channel: string, message: string) => apply(message))
    closers.push(() => subscriber.quit().catch(() => {}))
  }

  if (databaseProvider(env.DATABASE_URL) === 'postgres') {
    let client: pg.Client | undefined
    let stopped = false
    let lost = false
    let retrying = false
    const retry = () => {
      if (stopped || retrying) return
      if (!lost) console.warn('[revocation] PostgreSQL LISTEN connection lost: reconnecting')
      lost = true
      retrying = true
      setTimeout(() => {
        retrying = false
        listen()
      }, 1000)
    }
    const listen = async () => {
      const next = new pg.Client({ connectionString: env.DATABASE_URL })
      next.on('notification', message => message.payload && apply(message.payload))
      next.on('error', () => {})
      next.on('end', retry)
      try {
        await next.connect()
        await next.query(`LISTEN ${PG_CHANNEL}`)
        client = next
        if (lost) {
          cache.clear()
          console.info('[revocation] PostgreSQL LISTEN connection restored')
        }
        lost = false
      }
      catch {
        next.end().catch(() => {})
        retry()
      }
    }
    listen()
    closers.push(async () => {
      stopped = true
      await client?.end().catch(() => {})
    })
  }

  nitro.hooks.hook('close', async () => {
    await Promise.all(closers.map(close => close()))
  })
})
