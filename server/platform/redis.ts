import { randomBytes } from 'node:crypto'
import { redisStorage } from '@better-auth/redis-storage'
import type { BetterAuthOptions } from 'better-auth'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { Outage } from './outage'
import { useEnv } from './env'

/** better-auth's keys in Redis start with this (sessions are stored under their token). */
export const REDIS_KEY_PREFIX = 'better-auth:'

/** How long one Redis command may take before Redis counts as down, and how often a quiet connection is checked. */
export const REDIS_COMMAND_TIMEOUT_MS = 500
export const REDIS_HEARTBEAT_MS = 1000

type SecondaryStorage = NonNullable<BetterAuthOptions['secondaryStorage']>

let client: Redis | undefined

/**
 * A new ioredis connection to REDIS_URL that fails fast instead of waiting while Redis is away.
 * Commands are refused at once while it is not connected (no offline queue). A command that
 * times out (Redis frozen: connected but not answering) drops the connection, so every later one
 * is refused at once too, until a reconnect's ready check gets an answer again. A connection with
 * no traffic is checked every REDIS_HEARTBEAT_MS. One log line when an outage starts, one when it ends.
 */
export function connectRedis(name: string, meanwhile = 'served from the database until it is back'): Redis {
  const outage = new Outage(`redis ${name}`, meanwhile)
  const redis = new Redis(useEnv().REDIS_URL!, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    // Keep trying, at most every 2 s, for as long as it takes: no restart needed when Redis returns.
    retryStrategy: attempt => Math.min(attempt * 200, 2000),
  })
  redis.on('error', (error: Error) => outage.begin(error.message))
  redis.on('close', () => {
    if (!(redis as unknown as { manuallyClosing?: boolean }).manuallyClosing) outage.begin('connection closed')
  })
  redis.on('ready', () => outage.end())
  const heartbeat = setInterval(() => {
    if (redis.status === 'ready') redis.ping().catch((error: Error) => tripOnTimeout(redis, error))
  }, REDIS_HEARTBEAT_MS)
  heartbeat.unref()
  redis.on('end', () => clearInterval(heartbeat))
  redisOutages.set(redis, outage)
  return redis
}

const redisOutages = new WeakMap<Redis, Outage>()

/** After a command timed out, the connection is dropped and made again, so nothing else waits on a frozen Redis. */
export function tripOnTimeout(redis: Redis, error: Error) {
  if (!/timed out/i.test(error.message) || redis.status !== 'ready') return
  redisOutages.get(redis)?.begin('a command timed out')
  redis.disconnect(true)
}

/** The shared Redis connection, or undefined without REDIS_URL. */
export function useRedis(): Redis | undefined {
  if (!useEnv().REDIS_URL) return undefined
  client ??= watchEpoch(connectRedis('command'))
  return client
}

/**
 * Session copies in Redis are trusted only if written in the current epoch: a random value in
 * Redis (EPOCH_KEY) that an instance replaces whenever its command connection is (re)made. So
 * a copy that may have missed its deletion (Redis unreachable, restarted with old data, an
 * instance killed with deletes pending) is never read again once the fault heals: the session
 * is looked up in the database, the truth, and its copy written again. Every instance learns
 * the epoch from EPOCH_CHANNEL (server/plugins/revocation-listener.ts), in the order Redis published it,
 * and trusts no copy while it does not know it (starting, or a connection down).
 */
export const EPOCH_KEY = 'sessionkit:epoch'
export const EPOCH_CHANNEL = 'sessionkit:epoch'

let epoch: string | undefined

/** The epoch this instance trusts copies of, or undefined while it trusts none. */
export function currentEpoch(): string | undefined {
  return epoch
}

/** Sets the epoch heard on EPOCH_CHANNEL or read from EPOCH_KEY; undefined distrusts every copy. */
export function setEpoch(value: string | undefined) {
  epoch = value
}

/**
 * Starts a new epoch for every instance: copies written before it are no longer read. Its
 * value becomes this instance's when heard back on EPOCH_CHANNEL, like everyone else's.
 */
export async function newEpoch() {
  const next = randomBytes(12).toString('base64url')
  // Together, so every instance hears the epochs in the order the key took them.
  await client?.multi().set(EPOCH_KEY, next).publish(EPOCH_CHANNEL, next).exec().catch(() => {})
}

function watchEpoch(redis: Redis): Redis {
  redis.on('close', () => setEpoch(undefined))
  redis.on('ready', () => {
    setEpoch(undefined)
    newEpoch()
  })
  return redis
}

const SESSION_COPY = '{"session":'
const epochPrefix = (value: string) => `{"epoch":"${value}",`

/** Tokens whose copy was found from an earlier epoch, so their session may be written again once the database confirmed it. */
const staleCopies = new LRUCache<string, true>({ max: 10_000 })

/**
 * Writes a session the database just confirmed over its copy from an earlier epoch, keeping the
 * copy's expiry. Only over a copy that is still there: one deleted meanwhile (the session
 * ended) stays deleted.
 */
export async function refreshStaleCopy(token: string, value: { session: unknown, user: unknown }) {
  const redis = client
  if (!staleCopies.delete(token) || !redis || !epoch) return
  await redis.set(`${REDIS_KEY_PREFIX}${token}`, epochPrefix(epoch) + JSON.stringify(value).slice(1), 'KEEPTTL', 'XX').catch(() => {})
}

/**
 * better-auth's secondary storage on Redis that degrades instead of failing: reads miss (so
 * sessions come from the database), writes are dropped, rate-limit counters count in memory,
 * and deletes that could not reach Redis are retried once it is back. Session copies carry the
 * epoch they were written in and are read only in that epoch (see EPOCH_KEY).
 */
export function resilientRedisStorage(redis: Redis): SecondaryStorage {
  const storage = redisStorage({ client: redis, keyPrefix: REDIS_KEY_PREFIX })
  const pendingDeletes = new Set<string>()
  const counters = new LRUCache<string, number>({ max: 100_000, ttlAutopurge: false })
  redis.on('ready', () => {
    const keys = [...pendingDeletes]
    pendingDeletes.clear()
    for (const key of keys) storage.delete(key).catch(() => pendingDeletes.add(key))
  })
  const orElse = async <T>(call: () => Promise<T>, fallback: () => T): Promise<T> => {
    try {
      return await call()
    }
    catch (error) {
      tripOnTimeout(redis, error as Error)
      redisOutages.get(redis)?.touch()
      return fallback()
    }
  }
  const read = (key: string, value: string | null): string | null => {
    if (value === null || !(value.startsWith(SESSION_COPY) || value.startsWith('{"epoch":"'))) return value
    const prefix = epoch && epochPrefix(epoch)
    if (prefix && value.startsWith(prefix)) return `{${value.slice(prefix.length)}`
    staleCopies.set(key, true)
    return null
  }
  return {
    get: key => orElse(async () => read(key, await storage.get(key) as string | null), () => null),
    set: (key, value, ttl) => orElse(async () => {
      if (!value.startsWith(SESSION_COPY)) return storage.set(key, value, ttl)
      // No copy without a known epoch: it could not be trusted by anyone.
      if (epoch) return storage.set(key, epochPrefix(epoch) + value.slice(1), ttl)
    }, () => undefined),
    delete: key => orElse(() => storage.delete(key), () => {
      pendingDeletes.add(key)
    }),
    getAndDelete: key => orElse(() => storage.getAndDelete(key), () => {
      pendingDeletes.add(key)
      return null
    }),
    increment: (key, ttl) => orElse(() => storage.increment(key, ttl), () => {
      const count = (counters.get(key) ?? 0) + 1
      counters.set(key, count, { ttl: count === 1 ? ttl * 1000 : counters.getRemainingTTL(key) })
      return count
    }),
  }
}
