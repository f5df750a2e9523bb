/** The OAuth providers this server offers for sign-in (for the buttons on /login). */
export default defineEventHandler(() => ({
  success: true as const,
  data: oauthProviders(),
}))
