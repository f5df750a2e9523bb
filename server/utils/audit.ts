import { createAuthMiddleware, getSessionFromCtx } from 'better-auth/api'

export type AuditType = 'sign_up' | 'sign_in' | 'sign_in_failed' | 'sign_out' | 'session_revoked'
  | 'other_sessions_revoked' | 'all_sessions_revoked' | 'password_changed' | 'account_deleted'

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

/** better-auth hooks recording the auth events of its routes, whether called over HTTP or by our routes. */
export const auditHooks = {
  // Sign-out deletes its session, so learn whose it is first.
  before: createAuthMiddleware(async (ctx) => {
    if (ctx.path === '/sign-out') await getSessionFromCtx(ctx).catch(() => null)
  }),
  after: createAuthMiddleware(ctx => auditAfterHook(ctx)),
}

async function auditAfterHook(ctx: Parameters<Parameters<typeof createAuthMiddleware>[0]>[0]) {
  const failed = ctx.context.returned instanceof Error
  const email = typeof ctx.body?.email === 'string' ? ctx.body.email.toLowerCase() : undefined
  if (ctx.path === '/sign-in/email' || ctx.path === '/sign-up/email') {
    const user = ctx.context.newSession?.user
    const type = ctx.path === '/sign-up/email' ? 'sign_up' : failed ? 'sign_in_failed' : 'sign_in'
    if (failed && type !== 'sign_in_failed') return
    const userId = user?.id ?? (email ? (await useDb().user.findUnique({ where: { email }, select: { id: true } }))?.id : null)
    return recordAudit({ type, userId, email: user?.email ?? email, headers: ctx.headers })
  }
  const type = SESSION_EVENTS[ctx.path]
  const session = ctx.context.session
  if (!type || failed || !session) return
  const detail = ctx.path === '/change-password' ? { signedOutOtherDevices: !!ctx.body?.revokeOtherSessions } : undefined
  return recordAudit({ type, userId: session.user.id, email: session.user.email, headers: ctx.headers, detail })
}
