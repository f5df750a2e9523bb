import { randomUUID } from 'node:crypto'
import type { prismaAdapter } from 'better-auth/adapters/prisma'
import type { EndedSession } from './end'
import type { Eviction } from './cache'
import { useRedis } from '../platform/redis'
import { useSessionCache } from './cache'
import { endings, recordEndings } from './end'

type AdapterFactory = ReturnType<typeof prismaAdapter>
type Adapter = ReturnType<AdapterFactory>
type Where = Parameters<Adapter['delete']>[0]['where']

/** The Redis channel on which instances tell each other which sessions ended. */
export const REVOCATION_CHANNEL = 'sessions:evict'
/** The PostgreSQL channel the `session_changed` trigger notifies (see prisma/postgres/migrations). */
export const PG_CHANNEL = 'session_changed'
/** Identifies this process, so it ignores its own messages on the bus. */
export const INSTANCE_ID = randomUUID()

/**
 * Forgets the named sessions in this process at once and tells every other instance through
 * Redis, answering once Redis has handed the message to every instance (so the request that ended
 * a session answers after the others were told). Never throws: a bus that is down is covered by
 * the trigger (PostgreSQL) and the epoch (see redis.ts).
 */
export async function revokeEverywhere(eviction: Eviction) {
  useSessionCache().evict(eviction)
  // Tokens stay in this process: the bus carries ids only.
  const { sessionIds, userIds } = eviction
  if (!sessionIds?.length && !userIds?.length) return
  await useRedis()?.publish(REVOCATION_CHANNEL, JSON.stringify({ from: INSTANCE_ID, sessionIds, userIds })).catch(() => {})
}

/** The values of a `where` that is one equality (or `in`) on `field`; undefined for anything else. */
function valuesOf(where: Where, field: string): string[] | undefined {
  const [only, ...rest] = where
  if (!only || rest.length || only.field !== field) return undefined
  if ((only.operator ?? 'eq') === 'eq' && typeof only.value === 'string') return [only.value]
  if (only.operator === 'in' && Array.isArray(only.value)) return only.value.map(String)
  return undefined
}

/**
 * better-auth's database adapter, evicting from the session cache whenever it deletes or changes
 * a session or a user: every way better-auth ends a session goes through here (sign-out,
 * revocations, bans, password changes and resets, account deletion, expiry). Deleted sessions
 * also leave a note of why they ended (end.ts).
 */
export function withRevocation(factory: AdapterFactory): AdapterFactory {
  return options => wrap(factory(options), announce)
}

/** What a write did that others must hear of once it has committed. */
interface Aftermath { eviction?: Eviction, ended?: ReturnType<typeof endings> }

async function announce({ eviction, ended }: Aftermath) {
  if (eviction) await revokeEverywhere(eviction)
  if (ended) await recordEndings(ended)
}

function wrap(adapter: Adapter, after: (aftermath: Aftermath) => Promise<void>): Adapter {
  /** What a write on `model` matching `where` touches, read before the write (a deleted row is gone after). */
  const affected = async (model: string, where: Where): Promise<Eviction | undefined> => {
    if (model === 'user') {
      const ids = valuesOf(where, 'id') ?? (await adapter.findMany<{ id: string }>({ model, where, select: ['id'] })).map(u => u.id)
      return { userIds: ids }
    }
    if (model !== 'session') return undefined
    const tokens = valuesOf(where, 'token') ?? []
    const sessionIds = valuesOf(where, 'id') ?? []
    const userIds = valuesOf(where, 'userId') ?? []
    if (!tokens.length && !sessionIds.length && !userIds.length) {
      const rows = await adapter.findMany<{ id: string }>({ model, where, select: ['id'], limit: 100_000 })
      sessionIds.push(...rows.map(r => r.id))
    }
    return { tokens, sessionIds, userIds }
  }
  const evicting = <A extends { model: string, where: Where }, R>(write: (args: A) => Promise<R>, deletes = false) => async (args: A): Promise<R> => {
    const eviction = await affected(args.model, args.where)
    // Why each session ends is judged now, in the request that ends it (see end.ts).
    const ended = deletes && args.model === 'session'
      ? endings(await adapter.findMany<EndedSession>({ model: 'session', where: args.where, select: ['id', 'token', 'expiresAt', 'createdAt'], limit: 100_000 }))
      : undefined
    const result = await write(args)
    await after({ eviction, ended })
    return result
  }
  return {
    ...adapter,
    delete: evicting(adapter.delete, true),
    deleteMany: evicting(adapter.deleteMany, true),
    update: evicting(adapter.update) as Adapter['update'],
    updateMany: evicting(adapter.updateMany),
    // Inside a transaction, evict once it has committed, so no reader can re-cache a row about to go.
    transaction: async (callback) => {
      const pending: Aftermath[] = []
      const result = await adapter.transaction(trx => callback(wrap(trx as Adapter, async a => void pending.push(a))))
      for (const aftermath of pending) await after(aftermath)
      return result
    },
  }
}
