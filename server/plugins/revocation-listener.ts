import pg from 'pg'
import { z } from 'zod'
import { Outage } from '../platform/outage'
import { DATABASE_CONNECT_TIMEOUT_MS, databaseProvider, LISTEN_APPLICATION_NAME, sqliteDataVersion, useDb } from '../platform/db'
import { connectRedis, EPOCH_CHANNEL, EPOCH_KEY, newEpoch, REDIS_KEY_PREFIX, setEpoch, useRedis } from '../platform/redis'
import { useSessionCache } from '../sessions/cache'
import { INSTANCE_ID, PG_CHANNEL, REVOCATION_CHANNEL } from '../sessions/revocation'

const BusMessage = z.object({
  from: z.string().optional(),
  sessionId: z.string().optional(),
  sessionIds: z.array(z.string()).optional(),
  userId: z.string().optional(),
  userIds: z.array(z.string()).optional(),
  // From the TRUNCATE trigger: every session may be gone.
  all: z.literal(true).optional(),
})

/** The heartbeat a LISTEN connection sends itself on its own channel (never an eviction). */
const PING = '{"ping":'

/** Parses a bus message into what to evict; null for a malformed one or our own. */
function eviction(payload: string) {
  const parsed = BusMessage.safeParse(JSON.parse(payload))
  if (!parsed.success || parsed.data.from === INSTANCE_ID) return null
  const { from, sessionId, sessionIds = [], userId, userIds = [], all = false } = parsed.data
  // Messages from PostgreSQL's trigger carry no sender: the change may have gone around better-auth.
  const direct = from === undefined
  return { sessionIds: sessionId ? [sessionId, ...sessionIds] : sessionIds, userIds: userId ? [userId, ...userIds] : userIds, direct, all }
}

/** The triggers that NOTIFY of changes made with SQL (prisma/postgres/migrations), and the state each must be in. */
const TRIGGERS = ['session_deleted', 'session_updated', 'session_truncated', 'user_changed', 'user_truncated']

/** What is wrong with the NOTIFY triggers (missing, or disabled), or undefined if all fire. */
async function missingTriggers(client: pg.Client): Promise<string | undefined> {
  const { rows } = await client.query<{ tgname: string, tgenabled: string }>('SELECT tgname, tgenabled FROM pg_trigger WHERE tgname = ANY($1) AND NOT tgisinternal', [TRIGGERS])
  const firing = new Set(rows.filter(row => row.tgenabled === 'O' || row.tgenabled === 'A').map(row => row.tgname))
  const wrong = TRIGGERS.filter(name => !firing.has(name))
  return wrong.length ? `trigger${wrong.length === 1 ? '' : 's'} ${wrong.join(', ')} missing or disabled` : undefined
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

/** How often the LISTEN connection is asked whether it still answers, and SQLite whether another connection wrote. */
export const LISTEN_HEARTBEAT_MS = 1000
export const SQLITE_WATCH_MS = 50

/**
 * Listens for sessions ended elsewhere: other instances (Redis pub/sub) and direct database
 * changes (PostgreSQL LISTEN on the trigger's channel; on SQLite, a commit by another
 * connection, seen in PRAGMA data_version). After a connection drop, events may have been
 * missed, so the whole cache is dropped once it is back. While the database's changes are
 * heard, cached sessions live until they are due for better-auth (cache.ts `hearsChanges`).
 */
export default defineNitroPlugin((nitro) => {
  const env = useEnv()
  const cache = useSessionCache()
  const apply = (payload: string) => {
    try {
      const target = eviction(payload)
      if (!target) return
      if (target.all) {
        // TRUNCATE: no copy in Redis is believed from now (a new epoch for every instance, this
        // one trusting none until it hears it), and every cached session is forgotten.
        setEpoch(undefined)
        cache.clear()
        newEpoch()
        return
      }
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
    const subscriber = connectRedis('subscriber', 'other instances\' sign-outs reach this one through PostgreSQL only, until it is back')
    let connectedOnce = false
    let heard = 0
    // Until it is back, epochs may be missed: trust no session copy in Redis (see EPOCH_KEY).
    subscriber.on('close', () => setEpoch(undefined))
    subscriber.on('ready', async () => {
      // Evictions may have been missed while it was away.
      if (connectedOnce) cache.clear()
      connectedOnce = true
      try {
        await subscriber.subscribe(REVOCATION_CHANNEL, EPOCH_CHANNEL)
        // The epoch now, unless a newer one was heard meanwhile.
        const before = heard
        const value = await useRedis()!.get(EPOCH_KEY)
        if (heard === before && value) setEpoch(value)
        if (!value) await newEpoch()
      }
      catch {
        // The command connection is down too: its return starts a new epoch, heard here.
      }
    })
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === EPOCH_CHANNEL) {
        heard++
        return setEpoch(message)
      }
      apply(message)
    })
    closers.push(() => subscriber.quit().catch(() => {}))
  }

  if (databaseProvider(env.DATABASE_URL) === 'postgres') {
    let client: pg.Client | undefined
    let stopped = false
    let retrying = false
    const outage = new Outage('postgres listen', 'sessions ended by SQL reach this instance when it is back (within a second of it)')
    const retry = (reason: string) => {
      cache.hearsChanges(false)
      if (stopped || retrying) return
      outage.begin(reason)
      retrying = true
      setTimeout(() => {
        retrying = false
        listen()
      }, 1000).unref()
    }
    const listen = async () => {
      const next = new pg.Client({ connectionString: env.DATABASE_URL, application_name: LISTEN_APPLICATION_NAME, connectionTimeoutMillis: DATABASE_CONNECT_TIMEOUT_MS })
      let awaited: string | undefined
      next.on('notification', (message) => {
        if (!message.payload) return
        if (!message.payload.startsWith(PING)) return apply(message.payload)
        if (message.payload === awaited) awaited = undefined
      })
      next.on('error', () => {})
      next.on('end', () => retry('connection ended'))
      try {
        await next.connect()
        await next.query(`LISTEN ${PG_CHANNEL}`)
        client = next
        const triggers = await missingTriggers(next)
        if (triggers) console.warn(`[postgres listen] ${triggers}: changes made with SQL are not heard, and cached sessions are answered at most SESSION_CACHE_TTL after they were verified`)
        if (outage.down) {
          // Changes made meanwhile were not heard: every instance stops reading the session
          // copies in Redis written before now (this one at once, before it clears its cache).
          setEpoch(undefined)
          await newEpoch()
          outage.end()
        }
        // Whatever was cached before this connection listened may have missed its change.
        cache.clear()
        cache.hearsChanges(!triggers)
        // The heartbeat is a notification the connection sends itself, every second: a frozen
        // server or a dropped route ends no socket by itself, and a pooler that does not keep
        // LISTEN (PgBouncer in transaction mode) answers queries but delivers nothing. One not
        // heard back by the next beat ends the connection.
        let beat = 0
        const heartbeat = setInterval(() => {
          if (awaited !== undefined) return next.end().catch(() => {})
          awaited = `${PING}"${INSTANCE_ID}:${++beat}"}`
          next.query({ text: 'SELECT pg_notify($1, $2)', values: [PG_CHANNEL, awaited], query_timeout: DATABASE_CONNECT_TIMEOUT_MS } as pg.QueryConfig).catch(() => next.end().catch(() => {}))
        }, LISTEN_HEARTBEAT_MS)
        heartbeat.unref()
        next.on('end', () => clearInterval(heartbeat))
      }
      catch (error) {
        next.end().catch(() => {})
        retry((error as Error).message)
      }
    }
    listen()
    closers.push(async () => {
      stopped = true
      await client?.end().catch(() => {})
    })
  }

  if (databaseProvider(env.DATABASE_URL) === 'sqlite') {
    // Another connection's commit (a `sqlite3` session, a script) may have changed any session or
    // user: forget what is cached. This process's own writes evict precisely (sessions/revocation.ts).
    let seen: number | undefined
    const watch = setInterval(() => {
      let version: number | undefined
      try {
        version = sqliteDataVersion(useDb())
      }
      catch {
        version = undefined
      }
      if (version === undefined) {
        seen = undefined
        return cache.hearsChanges(false)
      }
      if (version !== seen) cache.clear()
      seen = version
      cache.hearsChanges(true)
    }, SQLITE_WATCH_MS)
    watch.unref()
    // (The first reading clears too: what was cached before it may predate another connection's commit.)
    closers.push(async () => clearInterval(watch))
  }

  nitro.hooks.hook('close', async () => {
    await Promise.all(closers.map(close => close()))
  })
})
