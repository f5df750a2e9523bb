import { z } from '../zod'

/** better-auth's session cookie (with `__Secure-` before it over https). */
export const SESSION_COOKIE_NAME = 'better-auth.session_token'

/** The user as the browser sees it; parsing strips every other field. */
export const PublicUserSchema = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  emailVerified: z.boolean(),
  image: z.string().nullish().transform(v => v ?? null),
  role: z.string().nullish().transform(v => v ?? 'user'),
  displayName: z.string().nullish().transform(v => v ?? null),
  timeZone: z.string().nullish().transform(v => v ?? null),
  /** When the user completed /onboarding; null until then (the app holds them there). */
  onboardedAt: z.coerce.date().nullish().transform(v => v ?? null),
  /** Whether sign-in asks for a code from an authenticator app. */
  twoFactorEnabled: z.boolean().nullish().transform(v => v ?? false),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
})

/** The session as the browser sees it: named by id, never by token. */
export const PublicSessionSchema = z.object({
  user: PublicUserSchema,
  session: z.object({ id: z.string(), expiresAt: z.coerce.date() }),
})

/** Why a session ended, as the sign-in page explains it (`?reason=`). */
export const SessionEndReasonSchema = z.enum(['expired', 'signed-out', 'revoked'])
export type SessionEndReason = z.infer<typeof SessionEndReasonSchema>
