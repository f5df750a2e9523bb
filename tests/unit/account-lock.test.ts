import { EventEmitter } from 'node:events'
import type { H3Event } from 'h3'
import { describe, expect, it, vi } from 'vitest'

// server/auth/account-lock.ts in one process (SQLite): requests for one account take turns.
vi.mock('../../server/platform/redis', () => ({ useRedis: () => undefined }))
const { holdAccount } = await import('../../server/auth/account-lock')

const eventOf = () => {
  const res = new EventEmitter()
  return { event: { node: { res } } as unknown as H3Event, done: () => res.emit('close') }
}

describe('one request at a time per account', () => {
  it('a second request for the same account (any spelling) waits until the first is answered; another account does not wait', async () => {
    const first = eventOf()
    await holdAccount(first.event, 'someone@example.com')
    const order: string[] = []
    const second = eventOf()
    const waiting = holdAccount(second.event, ' Someone@Example.com ').then(() => order.push('second'))
    const third = eventOf()
    const queued = holdAccount(third.event, 'someone@example.com').then(() => order.push('third'))
    await holdAccount(eventOf().event, 'other@example.com').then(() => order.push('other account'))
    await new Promise(resolve => setImmediate(resolve))
    expect(order).toEqual(['other account'])
    first.done()
    await waiting
    expect(order).toEqual(['other account', 'second'])
    second.done()
    await queued
    expect(order).toEqual(['other account', 'second', 'third'])
    third.done()
  })
})
