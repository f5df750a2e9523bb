import { randomUUID } from 'node:crypto'

// A caller's id is kept only if it is short and plain, so it cannot smuggle anything into logs.
const ACCEPTED = /^[\w.:-]{1,128}$/

/** Every request gets an id (the caller's `x-request-id`, or a new one), echoed in the response. */
export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('request', (event) => {
    const given = getRequestHeader(event, 'x-request-id')
    const id = given && ACCEPTED.test(given) ? given : randomUUID()
    // On the request too, so better-auth's hooks and the audit log see the same id.
    event.node.req.headers['x-request-id'] = id
    event.context.requestId = id
    setResponseHeader(event, 'x-request-id', id)
  })
})

declare module 'h3' {
  interface H3EventContext {
    requestId?: string
  }
}
