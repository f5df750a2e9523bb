/**
 * Setup for the nuxt project. @nuxt/test-utils' registerEndpoint answers only relative URLs, while
 * better-auth's client always asks with absolute ones (its baseURL is the page's origin). A browser
 * treats `/api/x` and `http://localhost:3000/api/x` on that page alike, so this harness does too:
 * same-origin absolute URLs reach the registered endpoints; any other origin is left alone.
 */
const registered = window.fetch
function sameOriginPath(input: RequestInfo | URL): string | undefined {
  if (input instanceof Request) return undefined // better-fetch asks with a URL string; a Request keeps its own method and body
  const url = new URL(input, window.location.origin)
  return url.origin === window.location.origin ? `${url.pathname}${url.search}` : undefined
}
const harnessFetch: typeof fetch = (input, init) => registered(sameOriginPath(input) ?? input, init)
window.fetch = harnessFetch
globalThis.fetch = harnessFetch
