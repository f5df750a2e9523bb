import type { H3Event } from 'h3'

/** The user named by the route's `:id`, for an administrator; 404 if there is none. */
export async function requireTargetUser(event: H3Event) {
  const admin = await requireAdmin(event)
  const { id } = await getValidatedRouterParams(event, IdParams.parse)
  const user = await useDb().user.findUnique({ where: { id }, select: { id: true, email: true } })
  if (!user) throw createError({ statusCode: 404, message: 'User not found' })
  return { admin, user }
}

/** Whether ADMIN_EMAILS names this address. */
export function isAdminEmail(email: string): boolean {
  return useEnv().ADMIN_EMAILS.includes(email.toLowerCase())
}

/** ADMIN_EMAILS takes effect once the address is confirmed: its owner becomes an administrator then. */
export async function promoteVerifiedAdmin(user: { id: string, email: string, emailVerified: boolean, role?: string | null }) {
  if (!user.emailVerified || user.role === 'admin' || !isAdminEmail(user.email)) return
  const { internalAdapter } = await useServerAuth().$context
  await internalAdapter.updateUser(user.id, { role: 'admin' })
  await recordAudit({ type: 'role_changed', userId: user.id, email: user.email, detail: { role: 'admin', by: 'ADMIN_EMAILS' } })
}
