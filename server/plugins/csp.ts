import { contentSecurityPolicy, keepPage, pageNonce } from '../platform/pages'

/**
 * A Content-Security-Policy on every server-rendered page: scripts and styles from this origin
 * only, plus the page's own inline scripts (Nuxt's payload and config), which carry a fresh nonce
 * per response. Images may also be data: URIs (the two-factor QR code). Not in development, where
 * Vite's client needs inline scripts and its websocket. A page rendered for a visitor with no
 * credentials is kept for the next ones (server/platform/pages.ts, answered by
 * server/middleware/3.page-cache.ts).
 */
export default defineNitroPlugin((nitro) => {
  // Nuxt's renderer names itself on every page; nothing gains from knowing it.
  nitro.hooks.hook('render:response', (response, { event }) => {
    delete response.headers?.['x-powered-by']
    keepPage(event, response)
  })
  if (import.meta.dev) return
  nitro.hooks.hook('render:html', (html, { event }) => {
    const nonce = pageNonce()
    event.context.cspNonce = nonce
    const withNonce = (parts: string[]) => parts.map(part => part.replace(/<script\b/g, `<script nonce="${nonce}"`))
    html.head = withNonce(html.head)
    html.bodyPrepend = withNonce(html.bodyPrepend)
    html.body = withNonce(html.body)
    html.bodyAppend = withNonce(html.bodyAppend)
    setResponseHeader(event, 'content-security-policy', contentSecurityPolicy(nonce))
  })
})
