// Validate configuration before the first request: a bad value stops the server with one line per variable.
import { ConfigError } from '../platform/env'
import { mailAvailable } from '../platform/mailer'

export default defineNitroPlugin(() => {
  try {
    useEnv()
    if (!mailAvailable()) console.warn('[mail] SMTP_URL is not set: password reset, sign-in codes, address confirmation and new-device notices are off.')
  }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
})
