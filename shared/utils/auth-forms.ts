import { z } from 'zod'

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

export type SignInInput = z.input<typeof SignInSchema>
export type SignUpInput = z.input<typeof SignUpSchema>

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
