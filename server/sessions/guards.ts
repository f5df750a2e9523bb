import type { H3Event } from 'h3'
import type { AuthSession } from '../auth/instance'
import { useEnv } from '../platform/env'
import { whySessionEnded } from './end'
import { getAuthSession } from './lookup'
import { isFresh } from './lifetime'

/**
 * The session of this request; throws 401 "Authentication required" without one, with `ended`
 * saying why when the request carried the cookie of a session that ended (this answer clears it).
 */
export async function requireSession(event: H3Event): Promise<AuthSession> {
  const session = await getAuthSession(event)
  if (!session) throw createError({ statusCode: 401, message: 'Authentication required', data: { ended: await whySessionEnded(event) } })
  return session
}

/** The session of this request if its user completed /onboarding; 403 `ONBOARDING_REQUIRED` otherwise. */
export async function requireOnboarded(event: H3Event): Promise<AuthSession> {
  const session = await requireSession(event)
  if (!session.user.onboardedAt) {
    throw createError({ statusCode: 403, message: 'Finish setting up your account first: choose a display name and time zone at /onboarding.', data: { code: 'ONBOARDING_REQUIRED' } })
  }
  return session
}

/**
 * The session of this request if it was signed in within SESSION_FRESH_AGE; otherwise 403 with
 * `code: 'REAUTH_REQUIRED'`, after which the user confirms their password (POST /api/sessions/reauthenticate).
 */
export async function requireFreshSession(event: H3Event): Promise<AuthSession> {
  const session = await requireOnboarded(event)
  if (!isFresh(session.session.createdAt, useEnv().SESSION_FRESH_AGE)) {
    throw createError({ statusCode: 403, message: 'Please confirm your password to continue.', data: { code: 'REAUTH_REQUIRED' } })
  }
  return session
}

/** The session of this request if its user is an administrator; 401 without a session, 403 otherwise. */
export async function requireAdmin(event: H3Event): Promise<AuthSession> {
  const session = await requireOnboarded(event)
  if (session.user.role !== 'admin') throw createError({ statusCode: 403, message: 'Administrator access required' })
  return session
}
