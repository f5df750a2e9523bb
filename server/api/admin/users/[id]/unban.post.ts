export default defineEventHandler(async (event) => {
  const { user } = await requireTargetUser(event)
  await useServerAuth().api.unbanUser({ body: { userId: user.id }, headers: authHeaders(event) })
  return { success: true as const }
})
