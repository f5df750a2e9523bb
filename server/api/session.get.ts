import { whySessionEnded } from '../sessions/end'
import { sessionEndsAt } from '../sessions/lifetime'

/**
 * The browser's session (its `expiresAt` is when it really ends), or null; then `ended` says why,
 * to the holder of the dead session's cookie only.
 */
export default defineEventHandler(async (event) => {
  const session = await getAuthSession(event)
  if (session) {
    const data = PublicSessionSchema.parse(session)
    // The browser warns before the real end, which SESSION_MAX_AGE may bring forward.
    data.session.expiresAt = new Date(sessionEndsAt(session.session, useEnv()))
    return { success: true as const, data, ended: null }
  }
  return { success: true as const, data: null, ended: await whySessionEnded(event) ?? null }
})
