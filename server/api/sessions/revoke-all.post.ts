export default defineEventHandler(async (event) => {
  await requireFreshSession(event)
  // Ends this session too: better-auth's answer clears the cookie.
  await withAuthCookies(event, useServerAuth().api.revokeSessions({ headers: authHeaders(event), returnHeaders: true }))
  return { success: true as const }
})
