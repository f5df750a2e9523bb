import { z } from 'zod'

const email = z.email('Enter a valid email address').trim().toLowerCase()

export const SignInSchema = z.object({
  email,
  password: z.string().min(1, 'Enter your password'),
})

export const SignUpSchema = z.object({
  name: z.string().trim().min(1, 'Enter your name').max(100, 'Use at most 100 characters'),
  email,
  password: z.string().min(8, 'Use at least 8 characters').max(128, 'Use at most 128 characters'),
})

export const ReauthSchema = z.object({
  password: z.string().min(1, 'Enter your password').max(128, 'Use at most 128 characters'),
})

export type SignInInput = z.input<typeof SignInSchema>
export type SignUpInput = z.input<typeof SignUpSchema>
