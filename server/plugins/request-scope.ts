import { defineNitroPlugin } from 'nitropack/runtime'
import { inRequestScope } from '../platform/outage'

/**
 * Every request runs in its own outage scope, so a dependency found down anywhere while answering
 * it (a route's query, a call into better-auth, a page's render) is recorded on its
 * `event.context`, and server/error.ts answers 503 rather than whatever better-auth made of the
 * failure (its session middleware takes a lookup that failed for "no session": 401).
 */
export default defineNitroPlugin((nitroApp) => {
  const handle = nitroApp.h3App.handler
  nitroApp.h3App.handler = event => inRequestScope(event.context, () => handle(event))
})
