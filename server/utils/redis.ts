import { redisStorage } from '@better-auth/redis-storage'
import type { BetterAuthOptions } from 'better-auth'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'

/** better-auth's keys in Redis start with this (sessions are stored under their token). */
export const REDIS_KEY_PREFIX = 'better-auth:'

type SecondaryStorage = NonNullable<BetterAuthOptions['secondaryStorage']>

let client: Redis | undefined
let healthy = true

/** Logs a Redis outage once, when it starts, and once more when Redis is back. */
function watch(redis: Redis, name: string) {
  redis.on('error', (error: Error) => {
    if (!healthy) return
    healthy = false
    console.warn(`[redis] ${name} connection lost (${error.message}): serving from the database until it is back`)
  })
  redis.on('ready', () => {
    if (healthy) return
    healthy = true
    console.info(`[redis] ${name} connection restored`)
  })
  return redis
}

/** A new ioredis connection to REDIS_URL that fails fast instead of queueing commands while Redis is down. */
export function connectRedis(name: string): Redis {
  return watch(new Redis(useEnv().REDIS_URL!, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    commandTimeout: 1000,
    // Keep trying, at most every 2 s, for as long as it takes: no restart needed when Redis returns.
    retryStrategy: attempt => Math.min(attempt * 200, 2000),
  }), name)
}

/** The shared Redis connection, or undefined without REDIS_URL. */
export function useRedis(): Redis | undefined {
  if (!useEnv().REDIS_URL) return undefined
  client ??= connectRedis('command')
  return client
}

/**
 * better-auth's secondary storage on Redis that degrades instead of failing: reads miss (so
 * sessions come from the database), writes are dropped, rate-limit counters count in memory,
 * and deletes that could not reach Redis are retried once it is back, so a session revoked
 * during an outage cannot come back from a stale copy.
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
    catch {
      return fallback()
    }
  }
  return {
    get: key => orElse(() => storage.get(key), () => null),
    set: (key, value, ttl) => orElse(() => storage.set(key, value, ttl), () => undefined),
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
