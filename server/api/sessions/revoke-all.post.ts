export default defineEventHandler(async (event) => {
  await requireFreshSession(event)
  // Ends this session too: better-auth's answer clears the cookie.
  await withAuthCookies(event, useServerAuth().api.revokeSessions({ headers: authHeaders(event), returnHeaders: true }))
  // Nothing of this account stays in the browser (its cookies are already cleared above).
  setResponseHeader(event, 'clear-site-data', '"storage"')
  return { success: true as const }
})
