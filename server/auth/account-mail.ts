import { useEnv } from '../platform/env'
import { sendInBackground } from '../platform/mailer'

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

/** Sent instead of a sign-in code to an address never confirmed (see mailSignInCode in instance.ts). */
export function sendCodeNeedsConfirmedAddressMail(email: string) {
  sendInBackground({
    to: email,
    subject: 'Confirm your address to sign in with a code',
    text: `Someone asked for a sign-in code for this address. Codes work once the address is confirmed, and it is not yet.\n\nConfirm it with the link we sent when the account was made. For a new link, sign in with your password: ${useEnv().BETTER_AUTH_URL}/login\nForgot your password? Reset it: ${useEnv().BETTER_AUTH_URL}/forgot-password\n\nIf it was not you, there is nothing to do.`,
  }, 'sign-in code refused')
}

/** The one-time sign-in code mail. */
export function sendSignInCodeMail(email: string, code: string) {
  sendInBackground({
    to: email,
    subject: `${code} is your sign-in code`,
    text: `Your sign-in code is:\n\n  ${code}\n\nIt works once, for 5 minutes. If you did not ask for it, ignore this message: without the code nobody can sign in.`,
  }, 'sign-in code')
}
