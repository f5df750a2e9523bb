import { afterEach, describe, expect, it, vi } from 'vitest'
import { isFresh, pastMaxAge } from '../../server/sessions/lifetime'

const DAY = 86400
afterEach(() => vi.useRealTimers())

describe('session lifetimes on a controlled clock', () => {
  it('a session reaches its absolute maximum age exactly SESSION_MAX_AGE after sign-in, whatever happened since', () => {
    vi.useFakeTimers()
    const createdAt = new Date('2026-01-01T00:00:00Z')
    vi.setSystemTime(new Date(createdAt.getTime() + 30 * DAY * 1000 - 1))
    expect(pastMaxAge(createdAt, 30 * DAY)).toBe(false)
    vi.setSystemTime(new Date(createdAt.getTime() + 30 * DAY * 1000))
    expect(pastMaxAge(createdAt, 30 * DAY)).toBe(true)
  })

  it('a sign-in is fresh for SESSION_FRESH_AGE and stale from then on', () => {
    vi.useFakeTimers()
    const createdAt = '2026-01-01T00:00:00.000Z'
    vi.setSystemTime(new Date(Date.parse(createdAt) + DAY * 1000 - 1))
    expect(isFresh(createdAt, DAY)).toBe(true)
    vi.advanceTimersByTime(1)
    expect(isFresh(createdAt, DAY)).toBe(false)
  })
})
