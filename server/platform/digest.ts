import { createHash, timingSafeEqual } from 'node:crypto'

/** A SHA-256 digest (base64url) of a secret or a personal value, to key stored records without keeping it. */
export const digest = (value: string) => createHash('sha256').update(value).digest('base64url')

/** Whether two secrets (signatures, keys) are equal, in time that does not depend on where they differ. The app's one such compare. */
export function safeEqual(a: string, b: string): boolean {
  const [x, y] = [Buffer.from(a), Buffer.from(b)]
  return x.length === y.length && timingSafeEqual(x, y)
}
