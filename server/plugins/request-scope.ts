import { defineNitroPlugin } from 'nitropack/runtime'
import { endAccountTurn } from '../auth/account-lock'
import { inRequestScope } from '../platform/outage'

/**
 * Every request runs in its own outage scope, so a dependency found down anywhere while answering
 * it (a route's query, a call into better-auth, a page's render) is recorded on its
 * `event.context`, and server/error.ts answers 503 rather than whatever better-auth made of the
 * failure (its session middleware takes a lookup that failed for "no session": 401).
 *
 * And a request holding its account's turn (server/auth/account-lock.ts) gives it up once its
 * work is done, answered or failed, whether or not its client is still there.
 */
export default defineNitroPlugin((nitroApp) => {
  const handle = nitroApp.h3App.handler
  nitroApp.h3App.handler = event => inRequestScope(event.context, () => handle(event)).finally(() => endAccountTurn(event))
})
