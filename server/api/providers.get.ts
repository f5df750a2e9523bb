import { oauthProviders } from '../auth/oauth'
import { mailAvailable } from '../platform/mailer'

/** The OAuth providers this server offers for sign-in (for the buttons on /login), and whether it can send mail (codes, reset links). */
export default defineEventHandler(() => ({
  success: true as const,
  data: oauthProviders(),
  mail: mailAvailable(),
}))
