export default defineEventHandler(async (event) => {
  await requireSession(event)
  const { password } = await readValidatedBody(event, ReauthSchema.parse)
  // better-auth checks the password, deletes every session, account and the user, and clears the cookie.
  await withAuthCookies(event, useServerAuth().api.deleteUser({ body: { password }, headers: authHeaders(event), returnHeaders: true }))
  // Nothing of this account stays in the browser (its cookies are already cleared above).
  setResponseHeader(event, 'clear-site-data', '"storage"')
  return { success: true as const }
})
