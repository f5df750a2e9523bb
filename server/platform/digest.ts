import { createHash } from 'node:crypto'

/** A SHA-256 digest (base64url) of a secret or a personal value, to key stored records without keeping it. */
export const digest = (value: string) => createHash('sha256').update(value).digest('base64url')
