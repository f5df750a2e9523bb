/**
 * A fetch for API clients that call resource servers with the app's short-lived JWTs. It attaches
 * `Authorization: Bearer <jwt>`, and when the token has expired (by its `exp`, or because a server
 * answered 401) it gets a new one once, however many requests are waiting: they all retry with it.
 *
 *   const api = createTokenFetch({ getToken: () => fetchTokenFromApp() })
 *   const response = await api('https://api.example.com/reports')
 */
export interface TokenFetchOptions {
  /** Obtains a fresh JWT, e.g. GET <app>/api/auth/token with the session's bearer token or cookie. */
  getToken: () => Promise<string>
  /** A token to start with (skips the first getToken if still valid). */
  initialToken?: string
  /** Seconds before `exp` at which a token counts as expired (clock skew, time in flight). */
  leeway?: number
  fetch?: typeof globalThis.fetch
}

/** The `exp` of a JWT in ms, read without verifying (the server verifies); undefined if unreadable. */
export function expiresAt(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown }
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined
  }
  catch {
    return undefined
  }
}

export function createTokenFetch(options: TokenFetchOptions) {
  const send = options.fetch ?? globalThis.fetch
  const leeway = (options.leeway ?? 10) * 1000
  let token = options.initialToken
  let refreshing: Promise<string> | undefined

  /** One getToken at a time: every caller during a refresh waits for the same promise. */
  function refresh(): Promise<string> {
    refreshing ??= options.getToken().then((fresh) => {
      token = fresh
      return fresh
    }).finally(() => {
      refreshing = undefined
    })
    return refreshing
  }

  async function current(): Promise<string> {
    if (refreshing) return refreshing
    if (!token) return refresh()
    const exp = expiresAt(token)
    if (exp !== undefined && exp - leeway <= Date.now()) return refresh()
    return token
  }

  function withToken(init: RequestInit | undefined, jwt: string): RequestInit {
    const headers = new Headers(init?.headers)
    headers.set('authorization', `Bearer ${jwt}`)
    return { ...init, headers }
  }

  return async function tokenFetch(input: string | URL, init?: RequestInit): Promise<Response> {
    const used = await current()
    const response = await send(input, withToken(init, used))
    if (response.status !== 401) return response
    // Rejected: refresh unless another request already did, then try once more.
    const fresh = token !== used ? token! : await refresh()
    return send(input, withToken(init, fresh))
  }
}
