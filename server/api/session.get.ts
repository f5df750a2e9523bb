export default defineEventHandler(async (event) => {
  const session = await getAuthSession(event)
  return { success: true as const, data: session ? PublicSessionSchema.parse(session) : null }
})
