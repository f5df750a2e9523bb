/**
 * The fields SessionKit adds to better-auth's user, set by the app (onboarding), never by sign-up
 * input. One list for the server's schema (server/auth/instance.ts) and the browser's client types
 * (plugins/auth-client.ts, through better-auth's inferAdditionalFields).
 */
export const USER_FIELDS = {
  displayName: { type: 'string', required: false, input: false },
  timeZone: { type: 'string', required: false, input: false },
  onboardedAt: { type: 'date', required: false, input: false },
} as const
