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
