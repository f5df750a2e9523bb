/**
 * Confirms the password and replaces this session with a fresh one (new token and cookie),
 * so actions that need a recent sign-in are allowed again.
 */
export default defineEventHandler(async (event) => {
  const { user, session } = await requireOnboarded(event)
  const { password } = await readValidatedBody(event, ReauthSchema.parse)
  const auth = useServerAuth()
  const signIn = await auth.api.signInEmail({ body: { email: user.email, password }, headers: authHeaders(event), returnHeaders: true })
    .catch(() => null)
  // 403, not 401: a mistyped password must not read as "your session has ended".
  if (!signIn) throw createError({ statusCode: 403, message: 'Incorrect password' })
  await withAuthCookies(event, signIn)
  // The old session goes; its cookie-clearing answer is dropped since the new cookie replaces it.
  await auth.api.revokeSession({ body: { token: session.token }, headers: authHeaders(event) })
  return { success: true as const }
})
