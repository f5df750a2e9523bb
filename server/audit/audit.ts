import type { createAuthMiddleware } from 'better-auth/api'
import { getSessionFromCtx } from 'better-auth/api'
import { noticeIfNewDevice } from './new-device'
import { CLIENT_IP_HEADER } from '../platform/client-ip'
import { useDb } from '../platform/db'

export type AuditType = 'sign_up' | 'sign_in' | 'sign_in_failed' | 'sign_out' | 'session_revoked'
  | 'other_sessions_revoked' | 'all_sessions_revoked' | 'password_changed' | 'account_deleted'
  | 'user_banned' | 'user_unbanned' | 'role_changed' | 'password_reset' | 'email_verified'
  | 'two_factor_enabled' | 'two_factor_disabled' | 'backup_codes_replaced' | 'account_linked' | 'account_unlinked'

interface AuditEntry {
  type: AuditType
  userId?: string | null
  actorId?: string | null
  email?: string | null
  /** The request's headers, as better-auth saw them (client IP, user agent, request id). */
  headers?: Headers
  detail?: Record<string, unknown>
}

/** Writes one audit row. A failed write is logged, never allowed to fail the user's request. */
export async function recordAudit({ type, userId, actorId, email, headers, detail }: AuditEntry) {
  try {
    await useDb().auditEvent.create({
      data: {
        type,
        userId,
        actorId,
        email,
        ipAddress: headers?.get(CLIENT_IP_HEADER),
        userAgent: headers?.get('user-agent'),
        requestId: headers?.get('x-request-id'),
        detail: detail && JSON.stringify(detail),
      },
    })
  }
  catch (error) {
    console.error(`[audit] could not record ${type}`, error)
  }
}

// better-auth's route -> the event a success of it records (the acting session's user is who).
const SESSION_EVENTS: Record<string, AuditType> = {
  '/sign-out': 'sign_out',
  '/revoke-session': 'session_revoked',
  '/revoke-other-sessions': 'other_sessions_revoked',
  '/revoke-sessions': 'all_sessions_revoked',
  '/change-password': 'password_changed',
  '/delete-user': 'account_deleted',
  '/two-factor/disable': 'two_factor_disabled',
  '/two-factor/generate-backup-codes': 'backup_codes_replaced',
  '/unlink-account': 'account_unlinked',
}

// Administrators' actions on another user (`body.userId`); the acting admin is the actor.
const ADMIN_EVENTS: Record<string, AuditType> = {
  '/admin/ban-user': 'user_banned',
  '/admin/unban-user': 'user_unbanned',
  '/admin/set-role': 'role_changed',
  '/admin/revoke-user-sessions': 'all_sessions_revoked',
  '/admin/set-user-password': 'password_changed',
  '/admin/remove-user': 'account_deleted',
}

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0]

/** better-auth before-hook: sign-out deletes its session, so learn whose it is first. */
export async function auditBeforeHook(ctx: HookContext) {
  if (ctx.path === '/sign-out') await getSessionFromCtx(ctx).catch(() => null)
}

/** better-auth routes that sign in (password, emailed code); their failures are recorded too. */
const SIGN_IN_PATHS = new Set(['/sign-in/email', '/sign-in/email-otp'])
/** better-auth's route where Google and the OIDC provider send the browser back. */
const OAUTH_CALLBACK_PATH = '/callback/:id'
const SECOND_FACTOR_PATHS = new Set(['/two-factor/verify-totp', '/two-factor/verify-backup-code'])

/** better-auth after-hook: records the auth events of its routes, whether called over HTTP or by our routes. */
export async function auditAfterHook(ctx: HookContext) {
  const failed = ctx.context.returned instanceof Error
  const email = typeof ctx.body?.email === 'string' ? ctx.body.email.toLowerCase() : undefined
  // A password sign-in that still needs its second factor is recorded when that factor is verified.
  if ((ctx.context.returned as { twoFactorRedirect?: boolean } | undefined)?.twoFactorRedirect) return
  if (SECOND_FACTOR_PATHS.has(ctx.path)) {
    const user = ctx.context.newSession?.user
    if (failed || !user) return
    // Signed in already: the first code of an enrolment, which turns two-factor on.
    const enrolling = ctx.context.session
    if (enrolling) {
      if (enrolling.user.twoFactorEnabled || !user.twoFactorEnabled) return
      return recordAudit({ type: 'two_factor_enabled', userId: user.id, email: user.email, headers: ctx.headers })
    }
    if (ctx.headers) await noticeIfNewDevice(user, ctx.headers)
    return recordAudit({ type: 'sign_in', userId: user.id, email: user.email, headers: ctx.headers, detail: { secondFactor: ctx.path.split('-').pop() } })
  }
  // An OAuth provider's redirect back: a sign-in when it made a session (a link makes none).
  if (ctx.path === OAUTH_CALLBACK_PATH) {
    const user = ctx.context.newSession?.user
    if (!user) return
    if (ctx.headers) await noticeIfNewDevice(user, ctx.headers)
    return recordAudit({ type: 'sign_in', userId: user.id, email: user.email, headers: ctx.headers, detail: { provider: ctx.params?.id } })
  }
  if (SIGN_IN_PATHS.has(ctx.path) || ctx.path === '/sign-up/email') {
    const user = ctx.context.newSession?.user
    const type = ctx.path === '/sign-up/email' ? 'sign_up' : failed ? 'sign_in_failed' : 'sign_in'
    if (failed && type !== 'sign_in_failed') return
    const userId = user?.id ?? (email ? (await useDb().user.findUnique({ where: { email }, select: { id: true } }))?.id : null)
    // Before recording: this sign-in must not count as its own device's history.
    if (type === 'sign_in' && user && ctx.headers) await noticeIfNewDevice(user, ctx.headers)
    return recordAudit({ type, userId, email: user?.email ?? email, headers: ctx.headers })
  }
  const session = ctx.context.session
  const adminType = ADMIN_EVENTS[ctx.path]
  if (adminType && !failed && session && typeof ctx.body?.userId === 'string') {
    const detail = adminType === 'user_banned'
      ? { reason: ctx.body.banReason, expiresIn: ctx.body.banExpiresIn ?? null }
      : adminType === 'role_changed' ? { role: ctx.body.role } : undefined
    return recordAudit({ type: adminType, userId: ctx.body.userId, actorId: session.user.id, headers: ctx.headers, detail })
  }
  const type = SESSION_EVENTS[ctx.path]
  if (!type || failed || !session) return
  const detail = ctx.path === '/change-password'
    ? { signedOutOtherDevices: !!ctx.body?.revokeOtherSessions }
    : ctx.path === '/unlink-account' ? { provider: ctx.body?.providerId } : undefined
  return recordAudit({ type, userId: session.user.id, email: session.user.email, headers: ctx.headers, detail })
}

/** A sign-in identity (Google, OIDC) joining an account that already had one: a link, not a sign-up. */
export async function auditAccountLinked(account: { userId: string, providerId: string }, ctx: HookContext | null) {
  if (account.providerId === 'credential') return
  const accounts = await useDb().account.count({ where: { userId: account.userId } })
  if (accounts > 1) await recordAudit({ type: 'account_linked', userId: account.userId, headers: ctx?.headers, detail: { provider: account.providerId } })
}

/** The emailed link confirmed the address (better-auth's update of `emailVerified` from /verify-email). */
export async function auditEmailVerified(user: { id: string, email: string, emailVerified: boolean }, ctx: HookContext | null) {
  if (ctx?.path === '/verify-email' && user.emailVerified) await recordAudit({ type: 'email_verified', userId: user.id, email: user.email, headers: ctx.headers })
}

/** An account made by an OAuth provider's redirect back (password sign-ups are recorded by the after-hook). */
export async function auditOAuthSignUp(user: { id: string, email: string }, ctx: HookContext | null) {
  if (ctx?.path === OAUTH_CALLBACK_PATH) await recordAudit({ type: 'sign_up', userId: user.id, email: user.email, headers: ctx.headers, detail: { provider: ctx.params?.id } })
}
