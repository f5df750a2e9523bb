import { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'
import { beforeEach, describe, expect, it } from 'vitest'
import { REDIS_KEY_PREFIX, resilientRedisStorage, setEpoch } from '../../server/platform/redis'

/** Just enough of an ioredis client for @better-auth/redis-storage, that can be taken down, frozen and brought back. */
class FakeRedis extends EventEmitter {
  store = new Map<string, string>()
  state: 'up' | 'down' | 'frozen' = 'up'
  status = 'ready'
  disconnects = 0
  private answer<T>(value: () => T): Promise<T> {
    if (this.state === 'down') return Promise.reject(new Error('Connection is closed.'))
    if (this.state === 'frozen') return Promise.reject(new Error('Command timed out'))
    return Promise.resolve(value())
  }

  get = (key: string) => this.answer(() => this.store.get(key) ?? null)
  set = (key: string, value: string) => this.answer(() => void this.store.set(key, value))
  setex = (key: string, _ttl: number, value: string) => this.answer(() => void this.store.set(key, value))
  del = (...keys: string[]) => this.answer(() => keys.filter(key => this.store.delete(key)).length)
  eval = (_script: string, _keys: number, key: string) => this.answer(() => {
    const next = Number(this.store.get(key) ?? 0) + 1
    this.store.set(key, String(next))
    return next
  })

  disconnect() {
    this.disconnects++
  }

  comesBack() {
    this.state = 'up'
    this.emit('ready')
  }
}

const copy = JSON.stringify({ session: { id: 's1', token: 't1' }, user: { id: 'u1' } })
let redis: FakeRedis
let storage: ReturnType<typeof resilientRedisStorage>
beforeEach(() => {
  redis = new FakeRedis()
  storage = resilientRedisStorage(redis as unknown as Redis)
  setEpoch('epoch-1')
})

describe('better-auth\'s storage on Redis, when Redis fails', () => {
  it('a session copy is read back in the epoch it was written in, and never in another (or with none known)', async () => {
    await storage.set('t1', copy, 60)
    expect(redis.store.get(`${REDIS_KEY_PREFIX}t1`)).toMatch(/^\{"epoch":"epoch-1",/)
    expect(await storage.get('t1')).toBe(copy)
    setEpoch('epoch-2')
    expect(await storage.get('t1')).toBeNull()
    setEpoch(undefined)
    expect(await storage.get('t1')).toBeNull()
  })

  it('with no epoch known, a session copy is not written at all; other values are', async () => {
    setEpoch(undefined)
    await storage.set('t1', copy, 60)
    await storage.set('other', 'plain value', 60)
    expect([...redis.store.keys()]).toEqual([`${REDIS_KEY_PREFIX}other`])
  })

  it('while Redis is down: reads miss, writes are dropped, and deletes wait and are done once it is back', async () => {
    await storage.set('t1', copy, 60)
    redis.state = 'down'
    expect(await storage.get('t1')).toBeNull()
    await expect(storage.set('t2', copy, 60)).resolves.toBeUndefined()
    await storage.delete('t1')
    expect(redis.store.has(`${REDIS_KEY_PREFIX}t1`)).toBe(true)
    redis.comesBack()
    await new Promise(resolve => setImmediate(resolve))
    expect(redis.store.has(`${REDIS_KEY_PREFIX}t1`)).toBe(false)
    expect(redis.store.has(`${REDIS_KEY_PREFIX}t2`)).toBe(false)
  })

  it('rate-limit counters count in memory while Redis is down', async () => {
    redis.state = 'down'
    expect([await storage.increment!('limit', 60), await storage.increment!('limit', 60), await storage.increment!('limit', 60)]).toEqual([1, 2, 3])
  })

  it('a command that times out (Redis frozen) drops the connection, so later ones fail at once instead of each waiting', async () => {
    redis.state = 'frozen'
    expect(await storage.get('t1')).toBeNull()
    expect(redis.disconnects).toBe(1)
  })
})
