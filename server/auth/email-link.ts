import { decodeJwt } from 'jose'
import { EMAIL_LINK_LIFETIME } from './account-mail'
import { useDb } from '../platform/db'
import { digest } from '../platform/digest'

const usedKey = (token: string) => `used-email-link:${digest(token)}`

/** Throws 400 if this emailed link was used before. */
export async function assertLinkUnused(token: string) {
  const used = await useDb().verification.findFirst({ where: { identifier: usedKey(token) }, select: { id: true } })
  if (used) throw createError({ statusCode: 400, message: 'This link was already used. Sign in, or ask for a new one.' })
}

/** Records a link as used until it would have expired anyway (the sweep removes the record then). */
export async function markLinkUsed(token: string) {
  await useDb().verification.create({
    data: { id: crypto.randomUUID(), identifier: usedKey(token), value: 'used', expiresAt: new Date(Date.now() + EMAIL_LINK_LIFETIME * 1000) },
  })
}

/**
 * The address a confirmation link's token names: better-auth's token is a JWT carrying `email`
 * (pinned by tests/unit/better-auth-behaviour.test.ts); undefined for anything else.
 */
export function addressOfConfirmationLink(token: string): string | undefined {
  try {
    const { email } = decodeJwt(token)
    return typeof email === 'string' ? email : undefined
  }
  catch {
    return undefined
  }
}
