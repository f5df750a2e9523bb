import { z } from '../zod'

const email = z.email('Enter a valid email address').trim().toLowerCase()
const newPassword = z.string().min(8, 'Use at least 8 characters').max(128, 'Use at most 128 characters')

export const SignInSchema = z.object({
  email,
  password: z.string().min(1, 'Enter your password'),
})

export const SignUpSchema = z.object({
  name: z.string().trim().min(1, 'Enter your name').max(100, 'Use at most 100 characters'),
  email,
  password: newPassword,
})

export const ReauthSchema = z.object({
  password: z.string().min(1, 'Enter your password').max(128, 'Use at most 128 characters'),
})

export const ChangePasswordSchema = z.object({
  currentPassword: z.string().min(1, 'Enter your current password').max(128, 'Use at most 128 characters'),
  newPassword,
  // On unless the user unticks it: whoever may know the old password is signed out.
  signOutOtherDevices: z.boolean().default(true),
})

/** The token of an emailed link, as it arrives in `?token=`. */
export const EmailLinkSchema = z.object({
  token: z.string({ error: 'This link is incomplete. Open it again from the email.' }).min(1, 'This link is incomplete. Open it again from the email.').max(2048, 'This link is not valid.'),
})

export const ForgotPasswordSchema = z.object({ email })

export const SignInCodeSchema = z.object({
  email,
  otp: z.string().trim().regex(/^\d{6}$/, 'Enter the 6 digits from the email'),
})

export const ResetPasswordSchema = z.object({
  newPassword,
  confirmPassword: z.string(),
}).refine(v => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'The two passwords differ' })

export const TotpSchema = z.object({
  code: z.string().trim().regex(/^\d{6}$/, 'Enter the 6 digits your authenticator app shows'),
})

export const TwoFactorCodeSchema = z.object({
  code: z.string().trim().min(1, 'Enter the code').max(20, 'That is not a code'),
  backup: z.boolean().default(false),
  trustDevice: z.boolean().default(false),
}).refine(v => v.backup || /^\d{6}$/.test(v.code), { path: ['code'], message: 'Enter the 6 digits your authenticator app shows' })

export type SignInInput = z.input<typeof SignInSchema>
export type SignUpInput = z.input<typeof SignUpSchema>
export type SignInCodeInput = z.input<typeof SignInCodeSchema>
export type TwoFactorCodeInput = z.input<typeof TwoFactorCodeSchema>

/** The IANA name of `value` as a time zone (`utc` -> `UTC`), or undefined if there is no such zone. */
export function canonicalTimeZone(value: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone
  }
  catch {
    return undefined
  }
}

export const OnboardingSchema = z.object({
  displayName: z.string().trim().min(1, 'Enter the name others will see').max(60, 'Use at most 60 characters'),
  timeZone: z.string().trim().max(64).refine(v => !!canonicalTimeZone(v), 'Choose a time zone from the list').transform(v => canonicalTimeZone(v)!),
})
export type OnboardingInput = z.input<typeof OnboardingSchema>
