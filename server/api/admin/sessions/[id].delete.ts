import { recordAudit } from '../../../audit/audit'

export default defineEventHandler(async (event) => {
  const { user: admin } = await requireAdmin(event)
  const { id } = await getValidatedRouterParams(event, IdParams.parse)
  const row = await useDb().session.findUnique({ where: { id }, select: { token: true, userId: true } })
  if (!row) throw createError({ statusCode: 404, message: 'Session not found' })
  const headers = authHeaders(event)
  await useServerAuth().api.revokeUserSession({ body: { sessionToken: row.token }, headers })
  // Recorded here: better-auth's hook sees only the token, not whose session it was.
  await recordAudit({ type: 'session_revoked', userId: row.userId, actorId: admin.id, headers, detail: { sessionId: id } })
  return { success: true as const }
})
