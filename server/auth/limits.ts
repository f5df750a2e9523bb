import { createError, type H3Event, setResponseHeader } from 'h3'
import mailchecker from 'mailchecker'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Limit, Route } from './route-table'
import { digest } from '../platform/digest'
import { useEnv } from '../platform/env'
import { mailAvailable } from '../platform/mailer'
import { useRedis } from '../platform/redis'

const limiters = new Map<string, RateLimiterAbstract>()

/** One limiter per named limit: in Redis when configured (shared by every instance), in memory while Redis is down. */
function limiterFor(limit: Limit): RateLimiterAbstract {
  let limiter = limiters.get(limit.name)
  if (!limiter) {
    const options = { keyPrefix: `limit:${limit.name}`, points: limit.points, duration: limit.duration }
    const redis = useRedis()
    const memory = new RateLimiterMemory(options)
    limiter = redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory
    limiters.set(limit.name, limiter)
  }
  return limiter
}

/** "45 seconds", "15 minutes": how long to wait, in words. */
export function waitText(seconds: number): string {
  if (seconds < 90) return `${seconds} second${seconds === 1 ? '' : 's'}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minutes`
}

/** Throws the app's 429: JSON `{ success: false, message, code: 'RATE_LIMITED' }` with Retry-After. */
export function tooManyRequests(event: H3Event, seconds: number, message = (wait: string) => `Too many attempts. Try again in ${wait}.`): never {
  const wait = Math.max(1, Math.ceil(seconds))
  setResponseHeader(event, 'retry-after', wait)
  throw createError({ statusCode: 429, message: message(waitText(wait)), data: { code: 'RATE_LIMITED' } })
}

/** What names the account and the client of a request, for its limits; a missing key skips that limit. */
export interface LimitKeys { 'ip'?: string, 'email'?: string, 'user'?: string, 'second-factor'?: string }

/**
 * Takes one point of every limit of `route` (429 when one is used up: nothing runs) and, once the
 * response has gone, settles the `failures` ones by its status: a success clears the account's
 * count, a server error gives the point back, any other refusal keeps it. Taken before the attempt,
 * so parallel guesses cannot all pass a check made before any of them failed.
 */
export async function applyLimits(event: H3Event, route: Route, keys: LimitKeys) {
  const on = useEnv().RATE_LIMIT
  for (const limit of route.limits ?? []) {
    const raw = keys[limit.per]
    if (!raw || !(on || limit.always)) continue
    // Hashed: the limiter's keys (in Redis, say) name no one.
    const key = digest(raw.trim().toLowerCase())
    const limiter = limiterFor(limit)
    const wait = (refusal: RateLimiterRes) => limit.count === 'in-flight' ? 1 : refusal.msBeforeNext / 1000
    await limiter.consume(key).catch((refusal: unknown) => refusal instanceof RateLimiterRes ? tooManyRequests(event, wait(refusal), limit.message && (text => limit.message!(text, mailAvailable()))) : undefined)
    // Free again once this request is answered (or its client went away); `duration` bounds a lost release.
    if (limit.count === 'in-flight') event.node.res.once('close', () => limiter.delete(key).catch(() => {}))
    if (limit.count !== 'failures') continue
    event.node.res.once('finish', () => {
      const status = event.node.res.statusCode
      if (status < 400) limiter.delete(key).catch(() => {})
      else if (status >= 500) limiter.reward(key, 1).catch(() => {})
    })
  }
}

export const DISPOSABLE_EMAIL_MESSAGE = 'Addresses from disposable email services cannot be used. Please sign up with an address you will keep.'

/** Whether an address belongs to a throwaway-mail service (mailchecker's list, a domain or any parent of it). */
export function isDisposableEmail(email: string): boolean {
  const list = mailchecker.blacklist()
  const labels = email.slice(email.lastIndexOf('@') + 1).toLowerCase().split('.')
  return labels.some((_, i) => list.has(labels.slice(i).join('.')))
}

/** Forgets an account's count under a named limit (a password reset ends a password lock). */
export async function clearLimit(limit: Limit, raw: string) {
  await limiterFor(limit).delete(digest(raw.trim().toLowerCase())).catch(() => {})
}
