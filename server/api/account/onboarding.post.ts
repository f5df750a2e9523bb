import { updateUser } from '../../auth/instance'
/** Completes onboarding: the display name and time zone others see, stored on the user. */
export default defineEventHandler(async (event) => {
  const { user } = await requireSession(event)
  const { displayName, timeZone } = await readValidatedBody(event, OnboardingSchema.parse)
  const updated = await updateUser(user.id, { displayName, timeZone, onboardedAt: user.onboardedAt ?? new Date() })
  return { success: true as const, data: PublicUserSchema.parse(updated) }
})
