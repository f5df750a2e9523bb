import { createAuthClient } from 'better-auth/vue'
import { emailOTPClient, inferAdditionalFields, twoFactorClient } from 'better-auth/client/plugins'

/**
 * better-auth's own Vue client, for better-auth's actions (sign-in and sign-up, two-factor, emailed
 * codes and links, providers): `useAuthClient()` in a component's setup. Its plugin clients match
 * the server's plugins, and the user's extra fields are typed from shared/utils/user-fields.ts.
 *
 * Failures throw (better-fetch's BetterFetchError, its body in `.error`), as `$api`'s do, so
 * useAction and errorMessage read both alike. The session itself is read from /api/session
 * (useAuth), never through the client's session store, which this app does not mount.
 */
function createClient(origin: string) {
  return createAuthClient({
    baseURL: origin,
    basePath: '/api/auth',
    fetchOptions: { throw: true },
    plugins: [
      inferAdditionalFields({ user: USER_FIELDS }),
      twoFactorClient(),
      emailOTPClient(),
    ],
  })
}

export type AuthClient = ReturnType<typeof createClient>

export default defineNuxtPlugin(() => ({ provide: { authClient: createClient(useRequestURL().origin) } }))
