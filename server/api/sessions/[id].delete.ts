export default defineEventHandler(async (event) => {
  const { user, session } = await requireOnboarded(event)
  const { id } = await getValidatedRouterParams(event, IdParams.parse)
  // Scoped to the signed-in user: someone else's session id answers 404 and stays alive.
  const row = await useDb().session.findFirst({ where: { id, userId: user.id }, select: { token: true } })
  if (!row) throw createError({ statusCode: 404, message: 'Session not found' })
  // Signing this device out is always allowed; ending another one needs a recent sign-in.
  if (id !== session.id) await requireFreshSession(event)
  await withAuthCookies(event, useServerAuth().api.revokeSession({
    body: { token: row.token },
    headers: authHeaders(event),
    returnHeaders: true,
  }))
  return { success: true as const }
})
