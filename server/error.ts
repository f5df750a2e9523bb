import type { H3Error } from 'h3'
import { send, setResponseHeader, setResponseStatus } from 'h3'
import { defineNitroErrorHandler } from 'nitropack/runtime'

interface ValidationIssue { path?: PropertyKey[], message: string }

/** API errors as `{ success: false, message }` JSON; everything else falls through to Nuxt's page. */
export default defineNitroErrorHandler((error: H3Error, event) => {
  if (!event.path.startsWith('/api/')) return
  const status = error.statusCode || 500
  if (status >= 500) console.error(`[${event.method} ${event.path}]`, error.cause ?? error)
  setResponseStatus(event, status)
  setResponseHeader(event, 'content-type', 'application/json')
  // A machine-readable `code` (e.g. REAUTH_REQUIRED) travels with the message when a route sets one.
  const code = (error.data as { code?: unknown } | undefined)?.code
  return send(event, JSON.stringify({ success: false, message: describe(error, status), ...(typeof code === 'string' && { code }) }))
})

function describe(error: H3Error, status: number): string {
  // Never leak internals of an unexpected failure.
  if (status >= 500 && (error.unhandled || !error.message)) return 'Internal server error'
  const issues = (error.data as { issues?: ValidationIssue[] } | undefined)?.issues
  if (status === 400 && Array.isArray(issues)) {
    return issues.map(i => (i.path?.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')
  }
  return error.message || error.statusMessage || 'Request failed'
}
