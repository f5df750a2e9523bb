/** Settings of the shared e2e server (seconds). The poll interval is short so tests see a poll. */
export const POLL_INTERVAL = 2
export const SESSION_EXPIRES_IN = 3 * 24 * 3600
export const SESSION_UPDATE_AGE = 12 * 3600
/** Seconds a session stays in a server's cache (the bound for revocations the server cannot see, on SQLite). */
export const SESSION_CACHE_TTL = 2
