import { normalizeCredentials } from '../sessions/cache'

/**
 * Before anything else looks at a request: its Host and path must be well formed and the path
 * canonical (isCanonicalPath), since better-auth routes on the normalised URL and every check here
 * compares the path as given; it may name one session at most (normalizeCredentials), since
 * our checks and better-auth must act on the same one; and an API HEAD is answered as its GET.
 */
export default defineEventHandler((event) => {
  // The target as the client sent it: h3 has already decoded event.path (`%2e%2e` reads as `..`).
  const path = (event.node.req.originalUrl ?? event.node.req.url ?? '/').split('?')[0]!
  // An absolute-form target (GET http://host/api/... HTTP/1.1), `//api/` or `/%61pi/` is an API request too.
  const api = /^(?:https?:\/\/[^/]*)?\/+api\//i.test(path) || event.path.toLowerCase().startsWith('/api/')
  // Answered here, before anything that would read the path again (the error handler, the page renderer).
  const refuse = (message: string, code: string) => {
    setResponseStatus(event, 400)
    setResponseHeader(event, 'content-type', api ? 'application/json' : 'text/plain; charset=utf-8')
    return api ? JSON.stringify({ success: false, message, code }) : message
  }
  if (!isCanonicalPath(path)) return refuse('This address is not in canonical form (dot segments, escaped or doubled slashes).', 'NON_CANONICAL_PATH')
  const host = getRequestHeader(event, 'host') ?? ''
  // No Host at all (an HTTP/1.0 probe) reads as localhost; any other must be a host name.
  if (host && (!/^[\w.-]+(?::\d{1,5})?$|^\[[\da-f:.]+\](?::\d{1,5})?$/i.test(host) || !URL.canParse(`http://${host}`))) return refuse('The Host header is not a host name.', 'INVALID_HOST')
  if (!normalizeCredentials(event)) return refuse('This request names two sessions: send the session cookie once, or a bearer token, not both.', 'AMBIGUOUS_CREDENTIALS')
  // HEAD is GET without its body (RFC 9110): routes are declared and routed for GET, and Node's
  // response to a HEAD request drops the body by itself. h3 caches the method it first reads.
  if (api && event.method === 'HEAD') {
    event.node.req.method = 'GET'
    ;(event as unknown as { _method: string })._method = 'GET'
  }
})
