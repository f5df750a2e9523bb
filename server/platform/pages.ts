import { randomBytes } from 'node:crypto'
import type { H3Event } from 'h3'
import { LRUCache } from 'lru-cache'
import { useEnv } from './env'

/**
 * What every server-rendered page carries, and the cache of pages rendered for visitors who send
 * no credentials.
 *
 * A page rendered for a request with no Cookie and no Authorization header reads no session
 * (useAuth asks nothing without a cookie), so every such visitor of the same address gets the same
 * HTML but for its CSP nonce. The first render of an address is kept for PAGE_CACHE_TTL seconds and
 * answered to the next such visitors with a fresh nonce; a request that carries credentials is
 * always rendered. Only a 200 that sets no cookie and says nothing against caching is kept.
 */

/** A fresh nonce for a page's inline scripts. */
export const pageNonce = () => randomBytes(16).toString('base64')

/** The Content-Security-Policy of a page whose inline scripts carry `nonce`. */
export function contentSecurityPolicy(nonce: string) {
  return [
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
  ].join('; ')
}

interface CachedPage {
  body: string
  /** The nonce the body was rendered with. */
  nonce: string
  headers: Record<string, string>
}

/** Most addresses kept: query strings make addresses unbounded, the cache is not. */
export const PAGE_CACHE_MAX = 200

let pages: LRUCache<string, CachedPage> | undefined
function cache() {
  const ttl = useEnv().PAGE_CACHE_TTL
  if (import.meta.dev || ttl === 0) return undefined
  pages ??= new LRUCache<string, CachedPage>({ max: PAGE_CACHE_MAX, ttl: ttl * 1000 })
  return pages
}

/**
 * The cache key of a page request that may be answered from the cache: a GET with no credentials.
 * Everything the renderer may read of the request's address is part of it.
 */
function keyOf(event: H3Event) {
  const headers = event.node.req.headers
  if (event.method !== 'GET' || headers.cookie || headers.authorization) return undefined
  return [headers.host, headers['x-forwarded-host'], headers['x-forwarded-proto'], event.node.req.url].join('\n')
}

/** A kept page for this request, with a fresh nonce, or undefined (and the request will be rendered). */
export function cachedPage(event: H3Event): string | undefined {
  const key = keyOf(event)
  const pages = key === undefined ? undefined : cache()
  if (!pages) return undefined
  const page = pages.get(key!)
  if (!page) {
    event.context.pageCacheKey = key
    return undefined
  }
  for (const [name, value] of Object.entries(page.headers)) setResponseHeader(event, name, value)
  const nonce = pageNonce()
  setResponseHeader(event, 'content-security-policy', contentSecurityPolicy(nonce))
  return page.body.replaceAll(page.nonce, nonce)
}

/** Keeps a page the renderer answered, when its request may be answered from the cache and the page may be kept. */
export function keepPage(event: H3Event, response: { body?: unknown, statusCode?: number, headers?: Record<string, unknown> }) {
  const key = event.context.pageCacheKey
  const nonce = event.context.cspNonce
  const pages = key === undefined ? undefined : cache()
  if (!pages || !nonce || response.statusCode !== 200 || typeof response.body !== 'string') return
  const headers = { ...event.node.res.getHeaders(), ...response.headers }
  if (headers['set-cookie'] || /no-store|private/.test(String(headers['cache-control'] ?? ''))) return
  const kept: Record<string, string> = {}
  // The request's own (its id, the route rules' headers) are set again on each request; the CSP follows the nonce.
  for (const name of ['content-type', 'cache-control', 'vary', 'content-language']) {
    if (headers[name] !== undefined) kept[name] = String(headers[name])
  }
  pages.set(key!, { body: response.body, nonce, headers: kept })
}

declare module 'h3' {
  interface H3EventContext {
    /** Set while rendering a page that may be kept (server/platform/pages.ts). */
    pageCacheKey?: string
    /** The nonce of this page's inline scripts (server/plugins/csp.ts). */
    cspNonce?: string
  }
}
