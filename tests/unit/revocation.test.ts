import { memoryAdapter } from 'better-auth/adapters/memory'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { Eviction } from '../../server/sessions/cache'

// The adapter wrapper (server/sessions/revocation.ts) on better-auth's memory adapter: what it
// evicts for each kind of write, and when. The cache, Redis and the record of endings are fakes.
const evictions: { eviction: Eviction, rowsLeft: number }[] = []
const endings: { id: string, reason: string }[][] = []
let tables: Record<string, Record<string, unknown>[]>

vi.mock('../../server/sessions/cache', () => ({
  // Evicted when the write is visible: how many session rows are left at that moment says which.
  useSessionCache: () => ({ evict: (eviction: Eviction) => evictions.push({ eviction, rowsLeft: tables.session!.length }) }),
}))
vi.mock('../../server/platform/redis', () => ({ useRedis: () => undefined }))
vi.mock('../../server/platform/env', () => ({ useEnv: () => ({ SESSION_MAX_AGE: 30 * 86400, JWT_EXPIRES_IN: 900 }) }))
vi.mock('../../server/sessions/end', async (original) => {
  const real = await original<typeof import('../../server/sessions/end')>()
  return { ...real, recordEndings: async (ended: { session: { id: string }, reason: string }[]) => void endings.push(ended.map(e => ({ id: e.session.id, reason: e.reason }))) }
})

const { withRevocation } = await import('../../server/sessions/revocation')

const hour = 3600_000
const session = (id: string, userId: string, expiresIn = hour) => ({ id, token: `token-${id}`, userId, expiresAt: new Date(Date.now() + expiresIn), createdAt: new Date(), updatedAt: new Date() })

function adapter() {
  const factory = withRevocation(memoryAdapter(tables) as never)
  return factory({} as never)
}

beforeEach(() => {
  evictions.length = 0
  endings.length = 0
  tables = {
    user: [{ id: 'u1', email: 'a@example.com', name: 'A', emailVerified: true, createdAt: new Date(), updatedAt: new Date() }],
    session: [session('s1', 'u1'), session('s2', 'u1'), session('s3', 'u2', -1000)],
  }
})

describe('the revocation adapter wrapper', () => {
  it('a session deleted by token is evicted by token once it is gone, and its ending recorded as signed-out', async () => {
    await adapter().delete({ model: 'session', where: [{ field: 'token', value: 'token-s1' }] })
    expect(evictions).toEqual([{ eviction: { tokens: ['token-s1'], sessionIds: [], userIds: [] }, rowsLeft: 2 }])
    expect(endings).toEqual([[{ id: 's1', reason: 'signed-out' }]])
  })

  it('a delete by any other condition finds the sessions first and evicts them by id; an expired one ended as expired', async () => {
    await adapter().deleteMany({ model: 'session', where: [{ field: 'expiresAt', operator: 'lt', value: new Date() }] })
    expect(evictions).toEqual([{ eviction: { tokens: [], sessionIds: ['s3'], userIds: [] }, rowsLeft: 2 }])
    expect(endings).toEqual([[{ id: 's3', reason: 'expired' }]])
  })

  it('a user\'s sessions deleted together are evicted by user', async () => {
    await adapter().deleteMany({ model: 'session', where: [{ field: 'userId', value: 'u1' }] })
    expect(evictions).toEqual([{ eviction: { tokens: [], sessionIds: [], userIds: ['u1'] }, rowsLeft: 1 }])
    expect(endings[0]!.map(e => e.id).sort()).toEqual(['s1', 's2'])
  })

  it('a changed user evicts every session of that user (role, ban and name are in the cached copy); other models evict nothing', async () => {
    await adapter().update({ model: 'user', where: [{ field: 'id', value: 'u1' }], update: { name: 'B' } })
    expect(evictions).toEqual([{ eviction: { userIds: ['u1'] }, rowsLeft: 3 }])
    await adapter().create({ model: 'verification', data: { id: 'v1', identifier: 'x', value: 'y', expiresAt: new Date() } })
    expect(evictions).toHaveLength(1)
  })

  it('inside a transaction, evicts only once it has committed; a transaction that fails evicts nothing', async () => {
    const wrapped = adapter()
    await wrapped.transaction(async (trx) => {
      await trx.delete({ model: 'session', where: [{ field: 'token', value: 'token-s1' }] })
      // Written, not yet committed: a reader could still cache the row from the database.
      expect(evictions).toEqual([])
    })
    expect(evictions).toEqual([{ eviction: { tokens: ['token-s1'], sessionIds: [], userIds: [] }, rowsLeft: 2 }])

    evictions.length = 0
    await expect(wrapped.transaction(async (trx) => {
      await trx.delete({ model: 'session', where: [{ field: 'token', value: 'token-s2' }] })
      throw new Error('rolled back')
    })).rejects.toThrow('rolled back')
    expect(evictions).toEqual([])
  })
})
