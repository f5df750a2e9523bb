export default defineEventHandler(async (event) => {
  await requireOnboarded(event)
  const { currentPassword, newPassword, signOutOtherDevices } = await readValidatedBody(event, ChangePasswordSchema.parse)
  // With revokeOtherSessions better-auth ends every session and signs this device in afresh (new cookie).
  await withAuthCookies(event, useServerAuth().api.changePassword({
    body: { currentPassword, newPassword, revokeOtherSessions: signOutOtherDevices },
    headers: authHeaders(event),
    returnHeaders: true,
  }))
  return { success: true as const, data: { signedOutOtherDevices: signOutOtherDevices } }
})
