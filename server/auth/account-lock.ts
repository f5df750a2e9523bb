import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import type { H3Event } from 'h3'
import { tooManyRequests } from './limits'
import { digest } from '../platform/digest'
import { useRedis } from '../platform/redis'

/**
 * One request at a time per account, for every request that proves or changes what an account's
 * sessions rest on: sign-ins and second factors, re-authentication, password changes and resets,
 * ending sessions, bans, deletion. Each of them reads the account, spends tens of milliseconds
 * (argon2), then writes; two interleaved would each act on what the other is about to change (a
 * sign-in's session made after a reset ended every session, a change made with the old password
 * after a reset). Queued rather than refused, so a flood of sign-ins delays an administrator's
 * ban by their queue, never refuses it.
 *
 * In this process a queue per account; with REDIS_URL also a lock in Redis that every instance
 * waits for (held at most HOLD_MS should its holder die). Without Redis, or while it is down,
 * requests are kept apart within each instance only.
 */
const HOLD_MS = 15_000
const WAIT_MS = 10_000
const POLL_MS = 15
const RELEASE = 'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end'

const queues = new Map<string, Promise<void>>()

const busy = (event: H3Event) => tooManyRequests(event, 1, wait => `This account is busy with another request. Try again in ${wait}.`)

/**
 * Waits for this account's turn. The turn ends when this request's work does (endAccountTurn, in a
 * `finally` around every request: server/plugins/request-scope.ts), not when its client goes: a handler keeps running
 * after a client hangs up, and a turn ended then would let the next request run beside it.
 */
export async function holdAccount(event: H3Event, email: string) {
  const key = `account-lock:${digest(email.trim().toLowerCase())}`
  const previous = queues.get(key) ?? Promise.resolve()
  let release!: () => void
  const turn = new Promise<void>(resolve => (release = resolve))
  const queue = previous.then(() => turn)
  queues.set(key, queue)
  // Forgotten only once every turn before it and its own are over: a waiter that gives up (429)
  // must not let a later request skip the turn still being taken.
  void queue.then(() => {
    if (queues.get(key) === queue) queues.delete(key)
  })
  const ends: (() => void)[] = [release]
  event.context.accountTurn = () => ends.splice(0).forEach(end => end())
  const timer = { id: undefined as NodeJS.Timeout | undefined }
  const waited = await Promise.race([previous.then(() => true), new Promise<false>(resolve => (timer.id = setTimeout(resolve, WAIT_MS, false)))])
  clearTimeout(timer.id)
  if (!waited) busy(event)
  const redis = useRedis()
  if (!redis) return
  const token = randomUUID()
  const deadline = Date.now() + WAIT_MS
  try {
    while (await redis.set(key, token, 'PX', HOLD_MS, 'NX') !== 'OK') {
      if (Date.now() > deadline) busy(event)
      await sleep(POLL_MS)
    }
  }
  catch (error) {
    // Redis unreachable: kept apart within this instance only (its outage is logged by redis.ts).
    if ((error as { statusCode?: number }).statusCode === 429) throw error
    return
  }
  ends.push(() => void redis.eval(RELEASE, 1, key, token).catch(() => {}))
}

/** Ends this request's turn, if it holds one (once its work is done, answered or failed). */
export function endAccountTurn(event: H3Event) {
  event.context.accountTurn?.()
}

declare module 'h3' {
  interface H3EventContext {
    /** Ends the turn of server/auth/account-lock.ts this request holds. */
    accountTurn?: () => void
  }
}
