import { APIError } from 'better-auth/api'
import { addressOfConfirmationLink, assertLinkUnused, markLinkUsed } from '../../auth/email-link'
import { promoteAdminEmail } from '../../auth/instance'
import { getAuthSession } from '../../sessions/lookup'

const FAILURES: Record<string, string> = {
  TOKEN_EXPIRED: 'This link has expired. Sign in and ask for a new one.',
  USER_NOT_FOUND: 'This link is not valid.',
  INVALID_TOKEN: 'This link is not valid.',
}

/** Confirms an email address with the token of an emailed link. A POST: opening a link changes nothing. */
export default defineEventHandler(async (event) => {
  const { token } = await readValidatedBody(event, EmailLinkSchema.parse)
  await assertLinkUnused(token)
  try {
    await useServerAuth().api.verifyEmail({ query: { token }, headers: authHeaders(event) })
  }
  catch (error) {
    if (!(error instanceof APIError)) throw error
    throw createError({ statusCode: 400, message: FAILURES[String(error.body?.code)] ?? FAILURES.INVALID_TOKEN })
  }
  await markLinkUsed(token)
  // ADMIN_EMAILS: confirmed in a browser signed in to the account it names, its owner has both.
  const session = await getAuthSession(event)
  const email = addressOfConfirmationLink(token)
  if (session && email && session.user.email.toLowerCase() === email.toLowerCase()) await promoteAdminEmail(session.user)
  return { success: true as const, data: { verified: true } }
})
