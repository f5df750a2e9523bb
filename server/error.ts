import type { H3Error } from 'h3'
import { send, setResponseHeader, setResponseStatus } from 'h3'
import { defineNitroErrorHandler } from 'nitropack/runtime'
import { databaseUnreachable, rootMessage } from './platform/outage'
import { databaseOutage } from './platform/db'

/** What a request that needs a dependency that is down is told, and when to try again. */
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable. Please try again in a moment.'
export const RETRY_AFTER_SECONDS = 5

interface ValidationIssue { path?: PropertyKey[], message: string }

/**
 * API errors as `{ success: false, message }` JSON; everything else falls through to Nuxt's page.
 * A request that found the database down answers 503 with Retry-After, pages included, whatever
 * error it ended in (better-auth makes a failed lookup a 401 or a 400), and the outage is logged
 * once (server/platform/outage.ts), not once per request.
 */
export default defineNitroErrorHandler((error: H3Error, event) => {
  const unreachable = databaseUnreachable(error)
  if (unreachable || event.context.unavailable) {
    // An unreachable database begins an outage (if none is under way); another error, in a
    // request that found the database down, only counts toward it: it may have ended meanwhile.
    if (unreachable) (event.context.unavailable ?? databaseOutage).begin(rootMessage(error))
    else event.context.unavailable?.touch()
    // The same error object goes on to Nuxt's handler, which renders pages with this status.
    Object.assign(error, { statusCode: 503, statusMessage: 'Service Unavailable', message: UNAVAILABLE_MESSAGE, unhandled: false, data: undefined })
    setResponseHeader(event, 'retry-after', RETRY_AFTER_SECONDS)
  }
  // A row this request wrote refers to one deleted meanwhile (a sign-in racing the account's
  // deletion): the request came too late, which is the client's conflict, not a fault here.
  if (!unreachable && vanishedReference(error)) {
    Object.assign(error, { statusCode: 409, statusMessage: 'Conflict', message: GONE_MESSAGE, unhandled: false, data: { code: 'GONE_MEANWHILE' } })
  }
  const status = error.statusCode || 500
  if (status >= 500 && status !== 503) console.error(`[${event.method} ${event.path}]`, error.cause ?? error)
  if (!event.path.toLowerCase().startsWith('/api/')) return
  setResponseStatus(event, status)
  setResponseHeader(event, 'content-type', 'application/json')
  // A machine-readable `code` (e.g. REAUTH_REQUIRED), and on a 401 why the session `ended`, travel with the message.
  const { code, ended } = (error.data ?? {}) as { code?: unknown, ended?: unknown }
  return send(event, JSON.stringify({
    success: false,
    message: describe(error, status),
    ...(typeof code === 'string' && { code }),
    ...(typeof ended === 'string' && { ended }),
  }))
})

export const GONE_MESSAGE = 'What this request refers to was deleted while it ran (the account, say). Nothing was changed.'

/** Whether an error's cause chain holds a foreign-key violation (SQLite's, or PostgreSQL's 23503). */
function vanishedReference(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code } = e as { code?: unknown }
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') return true
  }
  return false
}

function describe(error: H3Error, status: number): string {
  // Never leak internals of an unexpected failure.
  if (status >= 500 && (error.unhandled || !error.message)) return 'Internal server error'
  const issues = (error.data as { issues?: ValidationIssue[] } | undefined)?.issues
  if (status === 400 && Array.isArray(issues)) {
    return issues.map(i => (i.path?.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')
  }
  return error.message || error.statusMessage || 'Request failed'
}
