export default defineEventHandler(async (event) => {
  await requireFreshSession(event)
  await withAuthCookies(event, useServerAuth().api.revokeOtherSessions({ headers: authHeaders(event), returnHeaders: true }))
  return { success: true as const }
})
