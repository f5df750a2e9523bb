/** Completes onboarding: the display name and time zone others see, stored on the user. */
export default defineEventHandler(async (event) => {
  const { user } = await requireSession(event)
  const { displayName, timeZone } = await readValidatedBody(event, OnboardingSchema.parse)
  // Through better-auth's adapter, so every cached copy of this user's sessions is refreshed.
  const { internalAdapter } = await useServerAuth().$context
  const updated = await internalAdapter.updateUser(user.id, { displayName, timeZone, onboardedAt: user.onboardedAt ?? new Date() })
  return { success: true as const, data: PublicUserSchema.parse(updated) }
})
