import type { createAuthMiddleware } from 'better-auth/api'
import { getSessionFromCtx } from 'better-auth/api'

export type AuditType = 'sign_up' | 'sign_in' | 'sign_in_failed' | 'sign_out' | 'session_revoked'
  | 'other_sessions_revoked' | 'all_sessions_revoked' | 'password_changed' | 'account_deleted'
  | 'user_banned' | 'user_unbanned' | 'role_changed'

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
const SECOND_FACTOR_PATHS = new Set(['/two-factor/verify-totp', '/two-factor/verify-backup-code'])

/** better-auth after-hook: records the auth events of its routes, whether called over HTTP or by our routes. */
export async function auditAfterHook(ctx: HookContext) {
  const failed = ctx.context.returned instanceof Error
  const email = typeof ctx.body?.email === 'string' ? ctx.body.email.toLowerCase() : undefined
  // A password sign-in that still needs its second factor is recorded when that factor is verified.
  if ((ctx.context.returned as { twoFactorRedirect?: boolean } | undefined)?.twoFactorRedirect) return
  if (SECOND_FACTOR_PATHS.has(ctx.path)) {
    const user = ctx.context.newSession?.user
    if (failed || !user || ctx.context.session) return
    if (ctx.headers) await noticeIfNewDevice(user, ctx.headers)
    return recordAudit({ type: 'sign_in', userId: user.id, email: user.email, headers: ctx.headers, detail: { secondFactor: ctx.path.split('-').pop() } })
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
  const detail = ctx.path === '/change-password' ? { signedOutOtherDevices: !!ctx.body?.revokeOtherSessions } : undefined
  return recordAudit({ type, userId: session.user.id, email: session.user.email, headers: ctx.headers, detail })
}
