const HOME = '/dashboard'
const AUTH_PAGES = ['/login', '/register', '/onboarding']

/**
 * Where to send the user after sign-in: a same-site relative path from `value`, or `/dashboard`.
 * Absolute and protocol-relative URLs are refused, so the redirect cannot be used to phish.
 */
export function safeRedirect(value: unknown): string {
  const raw = Array.isArray(value) ? value[0] : value
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return HOME
  try {
    const base = 'http://same.invalid'
    const url = new URL(raw, base)
    if (url.origin !== base || AUTH_PAGES.includes(url.pathname)) return HOME
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
