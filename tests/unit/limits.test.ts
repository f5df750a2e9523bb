import { EventEmitter } from 'node:events'
import type { H3Event } from 'h3'
import { describe, expect, it, vi } from 'vitest'
import type { Limit, Route } from '../../server/auth/route-table'

// Per-account limits (server/auth/limits.ts) in memory, as on SQLite: what each answer does to the count.
const env = { RATE_LIMIT: true }
vi.mock('../../server/platform/env', () => ({ useEnv: () => env }))
vi.mock('../../server/platform/redis', () => ({ useRedis: () => undefined }))
vi.mock('../../server/platform/mailer', () => ({ mailAvailable: () => true }))
const { applyLimits, clearLimit } = await import('../../server/auth/limits')

let n = 0
/** A limit of its own per test: 3 wrong passwords per account. */
const limitOf = (extra: Partial<Limit> = {}): Limit => ({ name: `test-${++n}`, per: 'email', points: 3, duration: 900, count: 'failures', message: wait => `Locked for ${wait}.`, ...extra })
const routeOf = (limit: Limit) => ({ method: 'POST', path: '/api/test', caller: 'public', summary: 'test', limits: [limit] }) as unknown as Route

/** A request's event, whose response headers land in `headers`. */
function eventOf(headers = new Map<string, unknown>()) {
  const res = Object.assign(new EventEmitter(), { statusCode: 0, setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), value), getHeader: (name: string) => headers.get(name.toLowerCase()), headersSent: false })
  return { event: { node: { req: {}, res }, context: {} } as unknown as H3Event, res }
}

/** A request whose answer the test gives: `attempt(status)` applies the limits, then "sends" that status. */
function attempts(limit: Limit, email = 'Someone@Example.com') {
  const route = routeOf(limit)
  const headers = new Map<string, unknown>()
  return Object.assign(async (status: number) => {
    headers.clear()
    const { event, res } = eventOf(headers)
    await applyLimits(event, route, { email })
    res.statusCode = status
    res.emit('finish')
    // The settling (delete, reward) is asynchronous in rate-limiter-flexible: let it run.
    await new Promise(resolve => setImmediate(resolve))
  }, { headers })
}

const refused = (attempt: Promise<unknown>) => attempt.then(() => 'let through', (error: { statusCode?: number, message?: string, data?: { code?: string } }) => `${error.statusCode} ${error.data?.code}: ${error.message}`)

describe('per-account limits', () => {
  it('three failures lock the account: the fourth attempt is refused before it runs, with the wait in words and Retry-After', async () => {
    const attempt = attempts(limitOf())
    for (let i = 0; i < 3; i++) await attempt(401)
    expect(await refused(attempt(200))).toBe('429 RATE_LIMITED: Locked for 15 minutes.')
    expect(Number(attempt.headers.get('retry-after'))).toBeGreaterThan(890)
    expect(Number(attempt.headers.get('retry-after'))).toBeLessThanOrEqual(900)
  })

  it('counts the account whatever the spelling of its address', async () => {
    const limit = limitOf()
    for (const spelling of ['a@example.com', 'A@EXAMPLE.COM', ' a@example.com ']) await attempts(limit, spelling)(401)
    expect(await refused(attempts(limit, 'a@Example.com')(200))).toMatch(/^429/)
  })

  it('a success clears the count; a server error gives its point back; any other refusal keeps it', async () => {
    const attempt = attempts(limitOf())
    await attempt(401)
    await attempt(401)
    await attempt(200)
    await attempt(401)
    await attempt(500)
    await attempt(503)
    await attempt(401)
    // Two failures since the success, the 5xx not counted: one more is allowed, then the lock.
    expect(await refused(attempt(401))).toBe('let through')
    expect(await refused(attempt(401))).toMatch(/^429/)
  })

  it('an in-flight limit lets one request per account run at a time: another meanwhile gets 429, and the next after the answer runs', async () => {
    const route = routeOf(limitOf({ points: 1, duration: 30, count: 'in-flight', message: wait => `Busy, try again in ${wait}.` }))
    const first = eventOf()
    await applyLimits(first.event, route, { email: 'busy@example.com' })
    const meanwhile = eventOf()
    expect(await refused(applyLimits(meanwhile.event, route, { email: 'Busy@Example.com' }))).toBe('429 RATE_LIMITED: Busy, try again in 1 second.')
    expect(meanwhile.res.getHeader('retry-after')).toBe(1)
    // The refused request's end frees nothing: the first still runs.
    meanwhile.res.emit('close')
    await new Promise(resolve => setImmediate(resolve))
    expect(await refused(applyLimits(eventOf().event, route, { email: 'busy@example.com' }))).toMatch(/^429/)
    expect(await refused(applyLimits(eventOf().event, route, { email: 'other@example.com' }))).toBe('let through')
    first.res.emit('close')
    await new Promise(resolve => setImmediate(resolve))
    expect(await refused(applyLimits(eventOf().event, route, { email: 'busy@example.com' }))).toBe('let through')
  })

  it('clearLimit ends a lock (a password reset does)', async () => {
    const limit = limitOf()
    const attempt = attempts(limit)
    for (let i = 0; i < 3; i++) await attempt(401)
    await clearLimit(limit, 'someone@example.com')
    expect(await refused(attempt(401))).toBe('let through')
  })

  // The other tests run with limits on, as production has them. This one checks the switch an
  // operator can turn (README: for a load test from one address): it must never lift a product rule.
  it('RATE_LIMIT=false turns abuse limits off, not product rules marked always', async () => {
    env.RATE_LIMIT = false
    try {
      const abuse = attempts(limitOf())
      const rule = attempts(limitOf({ always: true }))
      for (let i = 0; i < 3; i++) {
        await abuse(401)
        await rule(401)
      }
      expect(await refused(abuse(401))).toBe('let through')
      expect(await refused(rule(401))).toMatch(/^429/)
    }
    finally {
      env.RATE_LIMIT = true
    }
  })
})
