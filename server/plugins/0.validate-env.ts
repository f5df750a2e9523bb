// First of the plugins (0.): the others read the configuration as they start.
// Validate configuration before the first request: a bad value stops the server with one line per variable.
import { browserConfig, ConfigError } from '../platform/env'
import { mailAvailable } from '../platform/mailer'

export default defineNitroPlugin(() => {
  try {
    const env = useEnv()
    // The browser's settings come from the validated configuration: Nitro builds each page's
    // runtime config from NUXT_PUBLIC_* (nuxt.config.ts has only the defaults).
    const browser = browserConfig(env)
    process.env.NUXT_PUBLIC_SESSION_POLL_INTERVAL = String(browser.sessionPollInterval)
    process.env.NUXT_PUBLIC_SESSION_WARN_BEFORE = String(browser.sessionWarnBefore)
    if (!mailAvailable()) console.warn('[mail] SMTP_URL is not set: password reset, sign-in codes, address confirmation and new-device notices are off.')
  }
  catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
})
