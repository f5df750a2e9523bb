import type { H3Error } from 'h3'
import { createError, send, setResponseHeader, setResponseStatus } from 'h3'
import { defineNitroErrorHandler } from 'nitropack/runtime'

interface ValidationIssue { path?: PropertyKey[], message: string }

/** API errors as `{ success: false, message }` JSON; everything else falls through to Nuxt's page. */
export default defineNitroErrorHandler((error: H3Error, event) => {
  if (!event.path.toLowerCase().startsWith('/api/')) return
  if (dependencyDown(error)) {
    console.warn(`[${event.method} ${event.path}] database unavailable: ${describeCause(error)}`)
    error = createError({ statusCode: 503, message: 'The service is temporarily unavailable. Please try again in a moment.' })
    setResponseHeader(event, 'retry-after', 5)
  }
  const status = error.statusCode || 500
  if (status >= 500) console.error(`[${event.method} ${event.path}]`, error.cause ?? error)
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

// Prisma's "cannot reach / lost the database" codes, and the socket errors its driver adapters pass on.
const UNAVAILABLE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', 'SQLITE_BUSY'])
const UNAVAILABLE_TEXT = /Can't reach database server|Connection terminated|connection (?:is )?closed|ECONNREFUSED|ECONNRESET|DatabaseNotReachable|ConnectionClosed|SocketTimeout/i

/** Whether an error (or anything in its `cause` chain) says the database could not be reached. */
function dependencyDown(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message, kind } = e as { code?: unknown, message?: unknown, kind?: unknown }
    if (typeof code === 'string' && UNAVAILABLE.has(code)) return true
    if (typeof kind === 'string' && UNAVAILABLE_TEXT.test(kind)) return true
    if (typeof message === 'string' && UNAVAILABLE_TEXT.test(message)) return true
  }
  return false
}

function describeCause(error: unknown): string {
  let e = error as { cause?: unknown, message?: string }
  while (e?.cause && typeof e.cause === 'object') e = e.cause as typeof e
  return e?.message ?? String(e)
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
