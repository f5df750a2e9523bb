export default defineEventHandler(async (event) => {
  const { user } = await requireSession(event)
  return { success: true as const, data: PublicUserSchema.parse(user) }
})
