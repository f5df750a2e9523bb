import type { FetchError } from 'ofetch'

const dateTime = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })

/** A date as people read it; in UTC so the server and the browser render the same text. */
export function formatDate(value: string | Date | null | undefined): string {
  return value ? `${dateTime.format(new Date(value))} UTC` : '—'
}

/** The machine-readable `code` of a failed request to our API (e.g. REAUTH_REQUIRED), if any. */
export function errorCode(error: unknown): string | undefined {
  return (error as FetchError<{ code?: string }> | undefined)?.data?.code
}

/** The message of a failed request (`{ message }` from our API and better-auth alike), or `fallback`. */
export function errorMessage(error: unknown, fallback: string): string {
  return (error as FetchError<{ message?: string }> | undefined)?.data?.message || fallback
}

/**
 * What a failed action tells people: the server's `{ message }`, else the message of an error the
 * app threw itself, else `fallback` (a request that failed without one, or anything else).
 */
export function failureMessage(error: unknown, fallback: string): string {
  return errorMessage(error, '') || (error instanceof Error && error.name !== 'FetchError' && error.message) || fallback
}
