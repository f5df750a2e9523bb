export default defineEventHandler(async (event) => {
  const { user } = await requireTargetUser(event)
  const { reason, expiresInDays } = await readValidatedBody(event, BanSchema.parse)
  // better-auth ends every session of the user and refuses their sign-ins from now on.
  await useServerAuth().api.banUser({
    body: { userId: user.id, banReason: reason, banExpiresIn: expiresInDays && expiresInDays * 86400 },
    headers: authHeaders(event),
  })
  return { success: true as const }
})
