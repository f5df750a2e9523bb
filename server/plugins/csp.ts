import { randomBytes } from 'node:crypto'

/**
 * A Content-Security-Policy on every server-rendered page: scripts and styles from this origin
 * only, plus the page's own inline scripts (Nuxt's payload and config), which carry a fresh nonce
 * per response. Images may also be data: URIs (the two-factor QR code). Not in development, where
 * Vite's client needs inline scripts and its websocket.
 */
export default defineNitroPlugin((nitro) => {
  // Nuxt's renderer names itself on every page; nothing gains from knowing it.
  nitro.hooks.hook('render:response', (response) => {
    delete response.headers?.['x-powered-by']
  })
  if (import.meta.dev) return
  nitro.hooks.hook('render:html', (html, { event }) => {
    const nonce = randomBytes(16).toString('base64')
    const withNonce = (parts: string[]) => parts.map(part => part.replace(/<script\b/g, `<script nonce="${nonce}"`))
    html.head = withNonce(html.head)
    html.bodyPrepend = withNonce(html.bodyPrepend)
    html.body = withNonce(html.body)
    html.bodyAppend = withNonce(html.bodyAppend)
    setResponseHeader(event, 'content-security-policy', [
      `default-src 'self'`,
      `script-src 'self' 'nonce-${nonce}'`,
      `style-src 'self'`,
      `img-src 'self' data:`,
      `font-src 'self'`,
      `connect-src 'self'`,
      `object-src 'none'`,
      `base-uri 'none'`,
      `form-action 'self'`,
      `frame-ancestors 'none'`,
    ].join('; '))
  })
})
