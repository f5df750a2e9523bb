import type { H3Event } from 'h3'

/** Wrong second-factor codes in a row before sign-in by second factor locks, and for how long (seconds). */
export const TWO_FACTOR_LOCKOUT = { maxFailedAttempts: 5, durationSeconds: 15 * 60 }

/**
 * Seconds until the second-factor lock of the account behind this sign-in ends: the pending sign-in's
 * `two_factor` cookie names a verification row holding the user id. The full lock time if unknown.
 */
export async function twoFactorLockWait(event: H3Event): Promise<number> {
  const cookie = getCookie(event, 'better-auth.two_factor') ?? getCookie(event, '__Secure-better-auth.two_factor')
  const identifier = cookie?.slice(0, cookie.lastIndexOf('.'))
  const pending = identifier ? await useDb().verification.findFirst({ where: { identifier }, select: { value: true } }) : null
  const row = pending ? await useDb().twoFactor.findFirst({ where: { userId: pending.value }, select: { lockedUntil: true } }) : null
  const left = row?.lockedUntil ? (row.lockedUntil.getTime() - Date.now()) / 1000 : 0
  return left > 0 ? left : TWO_FACTOR_LOCKOUT.durationSeconds
}
