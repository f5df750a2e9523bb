// Why an OAuth round trip came back without a session (`?error=` from better-auth), in words.
const OAUTH_ERRORS: Record<string, string> = {
  account_not_linked: 'An account with this email address already exists. Sign in with your password, then connect this provider under Security.',
  access_denied: 'You cancelled the sign-in at the provider. Nothing was changed.',
  state_mismatch: 'That sign-in could not be verified (it was started in another browser or took too long). Please try again.',
  please_restart_the_process: 'That sign-in could not be verified (it was started in another browser or took too long). Please try again.',
  DISPOSABLE_EMAIL: 'Addresses from disposable email services cannot be used.',
  email_does_not_match: 'That provider account has a different email address from yours, so it cannot be connected.',
  invalid_redirect: 'That sign-in link pointed away from this site, so it was not followed. Please sign in here.',
}

/** Sign-in and account linking through the OAuth providers the server offers (and whether it mails codes and links). */
export function useOAuth() {
  const client = useAuthClient()
  const { data } = useFetch('/api/providers', { key: 'auth:providers' })
  const providers = computed<OAuthProvider[]>(() => data.value?.data ?? [])
  /** Whether the server can send mail: without it there are no sign-in codes or reset links to offer. */
  const mail = computed(() => data.value?.mail ?? true)

  /** Leaves for the provider (better-auth's client follows the `url` it answers); it sends the browser back to `callbackURL` (or to `errorURL?error=`). */
  async function start(provider: OAuthProvider, mode: 'sign-in' | 'link', callbackURL: string, errorURL: string) {
    const options = { provider: provider.id, callbackURL, errorCallbackURL: errorURL }
    try {
      await (mode === 'sign-in' ? client.signIn.social(options) : client.linkSocial(options))
    }
    catch (error) {
      throw new Error(errorMessage(error, `Could not reach ${provider.name}. Please try again.`))
    }
  }

  /** The message for an `?error=` a provider round trip came back with (undefined when there is none). */
  const errorText = (code: unknown) => typeof code === 'string' && code
    ? OAUTH_ERRORS[code] ?? 'Sign-in with that provider did not complete. Please try again.'
    : undefined

  return { providers, mail, start, errorText }
}
