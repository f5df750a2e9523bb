import type { H3Event } from 'h3'
import { useDb } from '../platform/db'

/** Wrong second-factor codes in a row before sign-in by second factor locks, and for how long (seconds). */
export const TWO_FACTOR_LOCKOUT = { maxFailedAttempts: 5, durationSeconds: 15 * 60 }

/**
 * Seconds until the second-factor lock of the account behind this sign-in ends: the pending sign-in's
 * `two_factor` cookie names a verification row holding the user id. The full lock time if unknown.
 */
export async function twoFactorLockWait(event: H3Event): Promise<number> {
  const pending = await pendingSecondFactorUserId(event)
  const row = pending ? await useDb().twoFactor.findFirst({ where: { userId: pending }, select: { lockedUntil: true } }) : null
  const left = row?.lockedUntil ? (row.lockedUntil.getTime() - Date.now()) / 1000 : 0
  return left > 0 ? left : TWO_FACTOR_LOCKOUT.durationSeconds
}

/** better-auth's `two_factor` cookie of a sign-in waiting for its second factor (signed, not yet checked). */
const secondFactorCookie = (event: H3Event) => getCookie(event, 'better-auth.two_factor') ?? getCookie(event, '__Secure-better-auth.two_factor')

/** Whether this request carries the cookie of a sign-in waiting for its second factor (not yet checked). */
export function hasSecondFactorCookie(event: H3Event): boolean {
  return !!secondFactorCookie(event)
}

/** The user id of the sign-in waiting for its second factor: the `two_factor` cookie names a verification row holding it. */
export async function pendingSecondFactorUserId(event: H3Event): Promise<string | undefined> {
  const cookie = secondFactorCookie(event)
  const identifier = cookie?.slice(0, cookie.lastIndexOf('.'))
  if (!identifier) return undefined
  const pending = await useDb().verification.findFirst({ where: { identifier }, select: { value: true } })
  return pending?.value
}

interface AfterHook { matcher: (context: { path?: string }) => boolean, handler: unknown }

/** better-auth's routes that sign in besides the password: an emailed code, and a provider's redirect back. */
export const OTHER_FIRST_FACTORS = ['/sign-in/email-otp', '/callback/:id']

/**
 * better-auth's twoFactor plugin asks for the second factor after the password sign-in routes
 * only. Its own hook runs after the other first factors too (an emailed code, an OAuth provider),
 * so each is followed by the same second one, trusted browsers included. After a provider's
 * redirect the hook leaves a `{ twoFactorRedirect }` body on the redirect; handleAuthRequest
 * sends the browser on to /login-2fa instead.
 */
export function secondFactorAfterEveryFirstFactor<P>(plugin: P): P {
  const after = (plugin as { hooks?: { after?: AfterHook[] } }).hooks?.after
  const signIn = after?.find(hook => hook.matcher({ path: '/sign-in/email' }))
  if (!after || !signIn) throw new Error('better-auth\'s twoFactor plugin no longer has its sign-in hook (tests/unit/better-auth-contract.test.ts)')
  after.push({ matcher: context => OTHER_FIRST_FACTORS.includes(context.path ?? ''), handler: signIn.handler })
  return plugin
}
