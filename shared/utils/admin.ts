import { z } from '../zod'
import { PublicUserSchema } from './session'

/** A user as administrators see them. */
export const AdminUserSchema = PublicUserSchema.extend({
  banned: z.boolean().nullish().transform(v => !!v),
  banReason: z.string().nullish().transform(v => v ?? null),
  banExpires: z.coerce.date().nullish().transform(v => v ?? null),
})

export const BanSchema = z.object({
  reason: z.string().trim().min(1, 'Give a reason').max(500, 'Use at most 500 characters'),
  /** Empty for a ban without end. */
  expiresInDays: z.number().int().positive('Use a whole number of days').max(3650).optional(),
})
