/**
 * Before anything else looks at a request: its path must be canonical (isCanonicalPath), since
 * better-auth routes on the normalised URL and every check here compares the path as given; and
 * auth cookies or a bearer that cannot even be decoded are dropped (the cookie cleared), so they
 * read as no session instead of failing every route.
 */
export default defineEventHandler((event) => {
  const path = event.path.split('?')[0]!
  if (!isCanonicalPath(path)) {
    const message = 'This address is not in canonical form (dot segments, encoded or doubled slashes).'
    if (path.startsWith('/api/')) throw createError({ statusCode: 400, message, data: { code: 'NON_CANONICAL_PATH' } })
    // A page: answered here, before the renderer (whose error page would run the page middleware).
    setResponseStatus(event, 400)
    setResponseHeader(event, 'content-type', 'text/plain; charset=utf-8')
    return message
  }
  dropMalformedCredentials(event)
})
