const HOME = '/dashboard'
const AUTH_PAGES = ['/login', '/register', '/onboarding']
const BASE = 'http://same.invalid'

/**
 * Whether a URL path is in the one form every check compares: no dot segments (`/./`, `/../`, or
 * their encodings `%2e`), no encoded or doubled slashes, no backslashes, no broken escapes, and no
 * escaped ASCII at all (only UTF-8 beyond it may be escaped).
 */
export function isCanonicalPath(path: string): boolean {
  if (!path.startsWith('/') || path.includes('//') || /%2e|%2f|%5c|\\/i.test(path)) return false
  // An escaped ASCII character (`%35`, `%3F`) is another spelling, or a delimiter in disguise.
  if ([...path.matchAll(/%([\da-f]{2})/gi)].some(([, hex]) => Number.parseInt(hex!, 16) < 0x80)) return false
  try {
    decodeURIComponent(path)
    return new URL(path, BASE).pathname === path
  }
  catch {
    return false
  }
}

/** Whether `value` is a path (with query and fragment) on this site, in canonical form. */
export function isSameSitePath(value: string): boolean {
  if (!value.startsWith('/') || value.includes('\\') || [...value].some(c => c.charCodeAt(0) < 32)) return false
  try {
    const url = new URL(value, BASE)
    return url.origin === BASE && url.pathname + url.search + url.hash === value && isCanonicalPath(url.pathname)
  }
  catch {
    return false
  }
}

/** The same-site path `value` names, as written: a path on this site, or `origin` followed by one; undefined for anything else. */
export function sameSitePath(value: string, origin: string): string | undefined {
  const written = value === origin ? '/' : value.startsWith(`${origin}/`) ? value.slice(origin.length) : value
  return isSameSitePath(written) ? written : undefined
}

/**
 * Where to send the user after sign-in: a same-site relative path from `value`, or `/dashboard`.
 * Absolute and protocol-relative URLs are refused, so the redirect cannot be used to phish.
 */
export function safeRedirect(value: unknown): string {
  const raw = Array.isArray(value) ? value[0] : value
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return HOME
  try {
    const url = new URL(raw, BASE)
    // `/.//evil.com` resolves to the path `//evil.com`, which a browser reads as another site.
    if (url.origin !== BASE || url.pathname.startsWith('//') || AUTH_PAGES.includes(url.pathname)) return HOME
    return url.pathname + url.search + url.hash
  }
  catch {
    return HOME
  }
}

/** The sign-in page that returns to `from` afterwards, saying why the user was sent there if `reason` is given. */
export function loginPath(from: string, reason?: string | null): string {
  const target = safeRedirect(from)
  const query: string[] = []
  if (target !== HOME || from === HOME) query.push(`redirect=${encodeURIComponent(target)}`)
  if (reason) query.push(`reason=${encodeURIComponent(reason)}`)
  return query.length ? `/login?${query.join('&')}` : '/login'
}

/** The onboarding page, which returns to `from` once it is done. */
export function onboardingPath(from: string): string {
  const target = safeRedirect(from)
  return target === HOME ? '/onboarding' : `/onboarding?redirect=${encodeURIComponent(target)}`
}
