import { afterEach, describe, expect, it, vi } from 'vitest'
import { databaseUnreachable, inRequestScope, Outage, type RequestScope } from '../../server/platform/outage'

afterEach(() => {
  vi.restoreAllMocks()
  vi.useRealTimers()
})

describe('an outage', () => {
  it('logs one line when it starts and one when it ends, however many requests it affects, and counts each request once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const info = vi.spyOn(console, 'info').mockImplementation(() => {})
    const outage = new Outage('database', 'answering 503', { failsRequests: true })
    const requests: RequestScope[] = Array.from({ length: 50 }, () => ({}))
    for (const request of requests) {
      inRequestScope(request, () => {
        outage.begin('connect ECONNREFUSED')
        outage.touch()
      })
    }
    expect(warn.mock.calls).toEqual([['[database] unavailable (connect ECONNREFUSED): answering 503']])
    expect(requests.every(request => request.unavailable === outage)).toBe(true)
    outage.end()
    outage.end()
    expect(info).toHaveBeenCalledTimes(1)
    expect(info.mock.calls[0]![0]).toMatch(/^\[database\] back after \d+\.\d s; 50 requests affected$/)
  })

  it('marks requests unavailable only for a dependency they cannot be answered without', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const request: RequestScope = {}
    inRequestScope(request, () => new Outage('redis command', 'from the database').begin('timed out'))
    expect(request.unavailable).toBeUndefined()
    expect(request.affectedBy?.size).toBe(1)
  })

  it('ends by itself once its probe succeeds, probing every probeMs meanwhile', async () => {
    vi.useFakeTimers()
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    vi.spyOn(console, 'info').mockImplementation(() => {})
    let answers = false
    const probe = vi.fn(async () => {
      if (!answers) throw new Error('still down')
    })
    const outage = new Outage('database', 'answering 503', { probe, probeMs: 1000 })
    outage.begin('refused')
    await vi.advanceTimersByTimeAsync(3000)
    expect(probe).toHaveBeenCalledTimes(3)
    expect(outage.down).toBe(true)
    answers = true
    await vi.advanceTimersByTimeAsync(1000)
    expect(outage.down).toBe(false)
    await vi.advanceTimersByTimeAsync(5000)
    expect(probe).toHaveBeenCalledTimes(4)
  })
})

describe('databaseUnreachable', () => {
  it('knows a refused, reset, timed-out or starting database anywhere in the cause chain, and nothing else', () => {
    const wrapped = (cause: unknown) => Object.assign(new Error('Failed to get session'), { cause })
    expect(databaseUnreachable(wrapped(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })))).toBe(true)
    expect(databaseUnreachable(wrapped({ kind: 'DatabaseNotReachable' }))).toBe(true)
    expect(databaseUnreachable(new Error('timeout exceeded when trying to connect'))).toBe(true)
    expect(databaseUnreachable(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true)
    expect(databaseUnreachable(new Error('Query read timeout'))).toBe(true)
    expect(databaseUnreachable(wrapped(Object.assign(new Error('duplicate key value'), { code: '23505' })))).toBe(false)
    expect(databaseUnreachable(new Error('User already exists'))).toBe(false)
  })
})
