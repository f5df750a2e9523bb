// Pure session policy: lifetimes, freshness and bans, as numbers and dates (no I/O).

/** Whether a session created at `createdAt` has outlived SESSION_MAX_AGE, which no activity extends. */
export function pastMaxAge(createdAt: Date | string, maxAgeSeconds: number, now = Date.now()): boolean {
  return now - new Date(createdAt).getTime() >= maxAgeSeconds * 1000
}

/** When a session ends if nothing more happens: its expiry, or SESSION_MAX_AGE after sign-in if that comes first (epoch ms). */
export function sessionEndsAt(session: { expiresAt: Date | string, createdAt: Date | string }, env: { SESSION_MAX_AGE: number }): number {
  return Math.min(new Date(session.expiresAt).getTime(), new Date(session.createdAt).getTime() + env.SESSION_MAX_AGE * 1000)
}

/**
 * Until when (epoch ms) a verified session may be answered without better-auth: the earliest of
 * its expiry, its next sliding refresh (so the refreshed cookie reaches the browser) and SESSION_MAX_AGE.
 */
export function cacheableUntil(session: { expiresAt: Date | string, createdAt: Date | string }, env: { SESSION_EXPIRES_IN: number, SESSION_UPDATE_AGE: number, SESSION_MAX_AGE: number }): number {
  const refreshAt = new Date(session.expiresAt).getTime() - env.SESSION_EXPIRES_IN * 1000 + env.SESSION_UPDATE_AGE * 1000
  return Math.min(sessionEndsAt(session, env), refreshAt)
}

/** Whether a user is banned now (a ban with an expiry in the past has run out). */
export function isBanned(user: { banned?: boolean | null, banExpires?: Date | string | null }, now = Date.now()): boolean {
  return !!user.banned && (!user.banExpires || new Date(user.banExpires).getTime() > now)
}

/** Whether a session was signed in within SESSION_FRESH_AGE (recently enough for sensitive actions). */
export function isFresh(createdAt: Date | string, freshAgeSeconds: number, now = Date.now()): boolean {
  return !pastMaxAge(createdAt, freshAgeSeconds, now)
}
