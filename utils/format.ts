const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })

/** A date as people read it; in UTC so the server and the browser render the same text. */
export function formatDate(value: string | Date | null | undefined): string {
  return value ? `${dateTime.format(new Date(value))} UTC` : '—'
}

/**
 * The JSON body of a failed request: `$api` (ofetch's FetchError) keeps it in `data`, better-auth's
 * client (better-fetch's BetterFetchError) in `error`. Undefined for anything else.
 */
function failedBody(error: unknown): { code?: unknown, message?: unknown } | undefined {
  if (!isFailedRequest(error)) return undefined
  const body: unknown = 'data' in error ? error.data : 'error' in error ? error.error : undefined
  return body && typeof body === 'object' ? body : undefined
}

/** Whether `error` is a request that failed (either client), not an error the app threw itself. */
function isFailedRequest(error: unknown): error is Error & { status?: number } {
  return error instanceof Error && (error.name === 'FetchError' || typeof (error as { status?: unknown }).status === 'number')
}

/** The machine-readable `code` of a failed request (e.g. REAUTH_REQUIRED), if any. */
export function errorCode(error: unknown): string | undefined {
  const code = failedBody(error)?.code
  return typeof code === 'string' ? code : undefined
}

/** The message of a failed request (`{ message }` from our API and better-auth alike), or `fallback`. */
export function errorMessage(error: unknown, fallback: string): string {
  const message = failedBody(error)?.message
  return typeof message === 'string' && message ? message : fallback
}

/**
 * What a failed action tells people: the server's `{ message }`, else the message of an error the
 * app threw itself, else `fallback` (a request that failed without one, or anything else).
 */
export function failureMessage(error: unknown, fallback: string): string {
  return errorMessage(error, '') || (error instanceof Error && !isFailedRequest(error) && error.message) || fallback
}
