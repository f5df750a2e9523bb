import type { H3Event } from 'h3'
import mailchecker from 'mailchecker'
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible'

/**
 * Per-account limits on the auth routes, keyed by the email a request names (per-IP limits are
 * better-auth's own). `failures` counts only refused attempts and a success clears them, so the
 * owner is not locked out by their own sign-ins; `attempts` counts every request.
 */
interface AccountRule {
  points: number
  duration: number
  count: 'failures' | 'attempts'
  /** A product rule rather than an abuse limit: holds even with RATE_LIMIT=false. */
  always?: boolean
  /** The refusal, given the wait in words. */
  message?: (wait: string) => string
}

export const ACCOUNT_RULES: Record<string, AccountRule> = {
  '/api/auth/sign-in/email': { points: 5, duration: 15 * 60, count: 'failures' },
  '/api/auth/sign-up/email': { points: 3, duration: 3600, count: 'attempts' },
  '/api/auth/request-password-reset': { points: 3, duration: 3600, count: 'attempts' },
  '/api/auth/send-verification-email': { points: 3, duration: 3600, count: 'attempts' },
  '/api/auth/email-otp/send-verification-otp': {
    points: 1, duration: 60, count: 'attempts', always: true,
    message: wait => `A code was sent less than a minute ago. You can ask for a new one in ${wait}.`,
  },
}

const limiters = new Map<string, RateLimiterAbstract>()

/** One limiter per rule: in Redis when configured (shared by every instance), in memory while Redis is down. */
function limiterFor(path: string, rule: AccountRule): RateLimiterAbstract {
  let limiter = limiters.get(path)
  if (!limiter) {
    const options = { keyPrefix: `account-limit:${path}`, points: rule.points, duration: rule.duration }
    const redis = useRedis()
    const memory = new RateLimiterMemory(options)
    limiter = redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory
    limiters.set(path, limiter)
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

/**
 * Checks the account limit of an auth request before better-auth sees it (429 when used up), and
 * returns what to do with its outcome. Requests that name no email pass untouched.
 */
export async function checkAccountLimit(event: H3Event, path: string): Promise<(status: number) => Promise<void>> {
  const rule = ACCOUNT_RULES[path]
  if (!rule || event.method !== 'POST' || !(rule.always || useEnv().RATE_LIMIT)) return async () => {}
  const body = await readRawBody(event).then(raw => JSON.parse(raw ?? '{}'), () => undefined) as { email?: unknown } | undefined
  if (typeof body?.email !== 'string' || !body.email.includes('@')) return async () => {}
  // Hashed: the limiter's keys (in Redis, say) name no one.
  const key = digest(body.email.trim().toLowerCase())
  const limiter = limiterFor(path, rule)
  if (rule.count === 'attempts') {
    await limiter.consume(key).catch((refusal: unknown) => refusal instanceof RateLimiterRes ? tooManyRequests(event, refusal.msBeforeNext / 1000, rule.message) : undefined)
    return async () => {}
  }
  const used = await limiter.get(key).catch(() => null)
  if (used && used.consumedPoints >= rule.points) tooManyRequests(event, used.msBeforeNext / 1000, rule.message)
  return async (status) => {
    if (status === 401) await limiter.penalty(key).catch(() => {})
    else if (status < 400) await limiter.delete(key).catch(() => {})
  }
}

export const DISPOSABLE_EMAIL_MESSAGE = 'Addresses from disposable email services cannot be used. Please sign up with an address you will keep.'

/** Whether an address belongs to a throwaway-mail service (mailchecker's list, a domain or any parent of it). */
export function isDisposableEmail(email: string): boolean {
  const list = mailchecker.blacklist()
  const labels = email.slice(email.lastIndexOf('@') + 1).toLowerCase().split('.')
  return labels.some((_, i) => list.has(labels.slice(i).join('.')))
}
