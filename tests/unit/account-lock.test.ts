import { EventEmitter } from 'node:events'
import type { H3Event } from 'h3'
import { describe, expect, it, vi } from 'vitest'

// server/auth/account-lock.ts in one process (SQLite): requests for one account take turns.
vi.mock('../../server/platform/redis', () => ({ useRedis: () => undefined }))
const { endAccountTurn, holdAccount } = await import('../../server/auth/account-lock')

/** A request: `gone()` is its client hanging up, `done()` the end of its work. */
const requestOf = () => {
  const res = Object.assign(new EventEmitter(), { setHeader: vi.fn() })
  const event = { node: { res }, context: {} } as unknown as H3Event
  return { event, gone: () => res.emit('close'), done: () => endAccountTurn(event) }
}
const settled = () => new Promise(resolve => setImmediate(resolve))

describe('one request at a time per account', () => {
  it('a second request for the same account (any spelling) waits until the first one\'s work is done; another account does not wait', async () => {
    const first = requestOf()
    await holdAccount(first.event, 'someone@example.com')
    const order: string[] = []
    const second = requestOf()
    const waiting = holdAccount(second.event, ' Someone@Example.com ').then(() => order.push('second'))
    const third = requestOf()
    const queued = holdAccount(third.event, 'someone@example.com').then(() => order.push('third'))
    await holdAccount(requestOf().event, 'other@example.com').then(() => order.push('other account'))
    await settled()
    expect(order).toEqual(['other account'])
    first.done()
    await waiting
    expect(order).toEqual(['other account', 'second'])
    second.done()
    await queued
    expect(order).toEqual(['other account', 'second', 'third'])
    third.done()
  })

  it('a client that hangs up ends nothing: the turn lasts until its request\'s work is done, and a waiter that hangs up keeps its place', async () => {
    const holder = requestOf()
    await holdAccount(holder.event, 'hangs-up@example.com')
    holder.gone()
    const waiter = requestOf()
    let waited = false
    const turn = holdAccount(waiter.event, 'hangs-up@example.com').then(() => (waited = true))
    waiter.gone()
    const next = requestOf()
    let nextRan = false
    const after = holdAccount(next.event, 'hangs-up@example.com').then(() => (nextRan = true))
    await settled()
    expect([waited, nextRan]).toEqual([false, false])
    holder.done()
    await turn
    await settled()
    expect([waited, nextRan]).toEqual([true, false])
    waiter.done()
    await after
    next.done()
  })

  it('a turn not given up within 10 s: the next request gets 429 rather than waiting for ever', async () => {
    vi.useFakeTimers()
    try {
      const holder = requestOf()
      await holdAccount(holder.event, 'stuck@example.com')
      const waiter = requestOf()
      const waiting = holdAccount(waiter.event, 'stuck@example.com').then(() => 'let through', (error: { statusCode?: number }) => error.statusCode)
      await vi.advanceTimersByTimeAsync(10_001)
      expect(await waiting).toBe(429)
      // The one that gave up leaves; the holder still holds the turn, and a later request waits for it.
      waiter.done()
      let laterRan = false
      const later = requestOf()
      const turn = holdAccount(later.event, 'stuck@example.com').then(() => (laterRan = true))
      await vi.advanceTimersByTimeAsync(100)
      expect(laterRan).toBe(false)
      holder.done()
      await turn
      later.done()
    }
    finally {
      vi.useRealTimers()
    }
  })
})
