export default defineEventHandler(async (event) => {
  await requireFreshSession(event)
  await withAuthCookies(event, useServerAuth().api.revokeOtherSessions({ headers: event.headers, returnHeaders: true }))
  return { success: true as const }
})
