/** How long an emailed verification or reset link works, in seconds. */
export const EMAIL_LINK_LIFETIME = 3600

/** How long an emailed sign-in code works, in seconds. */
export const SIGN_IN_CODE_LIFETIME = 300

const appUrl = (path: string, token: string) => `${useEnv().BETTER_AUTH_URL}${path}?token=${encodeURIComponent(token)}`

/** The "confirm your address" mail; its link opens /verify-email, which confirms with a POST. */
export function sendVerificationMail(user: { email: string }, token: string) {
  sendInBackground({
    to: user.email,
    subject: 'Confirm your email address',
    text: `Confirm that this address is yours by opening:\n\n${appUrl('/verify-email', token)}\n\nThe link works once, for one hour. If you did not create an account, ignore this message.`,
  }, 'verification mail')
}

/** The password reset mail; its link opens /reset-password. */
export function sendResetMail(user: { email: string }, token: string) {
  sendInBackground({
    to: user.email,
    subject: 'Reset your password',
    text: `Someone asked to reset the password of your account. To choose a new one, open:\n\n${appUrl('/reset-password', token)}\n\nThe link works once, for one hour. If it was not you, ignore this message. Every device is signed out once the password is reset.`,
  }, 'reset mail')
}

/** Sent instead of an error when someone signs up with a taken address: only the owner learns it. */
export function sendExistingAccountMail(user: { email: string }) {
  sendInBackground({
    to: user.email,
    subject: 'Someone tried to create an account with your address',
    text: `Someone tried to create a new account with this email address, which already has one.\n\nIf it was you, sign in instead: ${useEnv().BETTER_AUTH_URL}/login\nForgot your password? Reset it: ${useEnv().BETTER_AUTH_URL}/forgot-password\n\nIf it was not you, there is nothing to do.`,
  }, 'existing-account notice')
}

/** The one-time sign-in code mail. */
export function sendSignInCodeMail(email: string, code: string) {
  sendInBackground({
    to: email,
    subject: `${code} is your sign-in code`,
    text: `Your sign-in code is:\n\n  ${code}\n\nIt works once, for 5 minutes. If you did not ask for it, ignore this message: without the code nobody can sign in.`,
  }, 'sign-in code')
}

/** Voids every reset link of a user still in flight (after a reset, or a new password by any route). */
export async function forgetResetLinks(userId: string) {
  const rows = await useDb().verification.findMany({ where: { value: userId, identifier: { startsWith: 'reset-password:' } }, select: { identifier: true } })
  if (!rows.length) return
  // Through better-auth: a copy may live in Redis too, and it is read first.
  const { internalAdapter } = await useServerAuth().$context
  for (const { identifier } of rows) await internalAdapter.deleteVerificationByIdentifier(identifier)
}

/**
 * After a sign-in code request for an address with no account: store a code as better-auth does
 * for a real one (and mail it to nobody), so wrong tries, lockout and expiry answer the same.
 */
export async function storeUnmailedCode(email: unknown) {
  if (typeof email !== 'string') return
  const { internalAdapter } = await useServerAuth().$context
  if (await internalAdapter.findUserByEmail(email.toLowerCase())) return
  await useServerAuth().api.createVerificationOTP({ body: { email, type: 'sign-in' } })
}
