import { APIError } from 'better-auth/api'

/**
 * Confirms the password and replaces this session with a fresh one (new token and cookie),
 * so actions that need a recent sign-in are allowed again.
 */
export default defineEventHandler(async (event) => {
  await requireOnboarded(event)
  const { password } = await readValidatedBody(event, ReauthSchema.parse)
  const swapped = await useServerAuth().api.reauthenticate({ body: { password }, headers: authHeaders(event), returnHeaders: true })
    .catch((error: unknown) => {
      if (error instanceof APIError && error.body?.code === 'INVALID_PASSWORD') return null
      throw error
    })
  // 403, not 401: a mistyped password must not read as "your session has ended".
  if (!swapped) throw createError({ statusCode: 403, message: 'Incorrect password' })
  await withAuthCookies(event, swapped)
  return { success: true as const }
})
