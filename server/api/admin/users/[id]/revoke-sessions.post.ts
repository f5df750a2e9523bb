export default defineEventHandler(async (event) => {
  const { user } = await requireTargetUser(event)
  await useServerAuth().api.revokeUserSessions({ body: { userId: user.id }, headers: authHeaders(event) })
  return { success: true as const }
})
