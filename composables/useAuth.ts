import { appendResponseHeader, type H3Event, setResponseHeader } from 'h3'
import type { ComputedRef, Ref } from 'vue'
import type { AuthClient } from '../plugins/auth-client'
import type { SignInCodeInput, SignInInput, SignUpInput, TwoFactorCodeInput } from '#shared/utils/auth-forms'

type SessionState = Awaited<ReturnType<typeof fetchSessionData>>['data']

/**
 * GET /api/session. During SSR it forwards the visitor's cookie, and passes the answer's
 * Set-Cookie (a sliding refresh) on to the page response, so the browser gets it too.
 */
async function fetchSessionData(api: typeof $fetch, event: H3Event | undefined, cookie: string | undefined) {
  const response = await api.raw('/api/session', { credentials: 'include', headers: cookie ? { cookie } : {} })
  if (event) {
    // The page now carries session data in its payload: no shared cache may keep it.
    setResponseHeader(event, 'cache-control', 'private, no-store')
    for (const setCookie of response.headers.getSetCookie()) appendResponseHeader(event, 'set-cookie', setCookie)
  }
  return response._data!
}

export interface UseAuth {
  /** The signed-in user, or null. */
  user: ComputedRef<NonNullable<SessionState>['user'] | null>
  /** The current session (id and expiry only; never its token), or null. */
  session: ComputedRef<NonNullable<SessionState>['session'] | null>
  /** Whether a session is known to be alive. */
  loggedIn: ComputedRef<boolean>
  /** Why the session ended, when the server told this browser (cleared by the next sign-in). */
  endReason: Ref<SessionEndReason | null>
  /** True while the session is being fetched. */
  loading: Ref<boolean>
  /** Loads the session from the server (forwarding the request's cookie during SSR). */
  fetchSession: () => Promise<SessionState>
  /** Same as fetchSession; named for call sites that re-check after a change. */
  refreshSession: () => Promise<SessionState>
  /** Signs in with email and password: 'two-factor' when a second factor must follow (verifyTwoFactor). Throws an Error with a readable message. */
  signIn: (input: SignInInput) => Promise<'signed-in' | 'two-factor'>
  /** Completes a sign-in with a code from the authenticator app or a backup code; throws an Error with a readable message. */
  verifyTwoFactor: (input: TwoFactorCodeInput) => Promise<void>
  /** Signs in with an emailed one-time code: 'two-factor' when a second factor must follow; throws an Error with a readable message. */
  signInWithCode: (input: SignInCodeInput) => Promise<'signed-in' | 'two-factor'>
  /** Creates an account and signs it in: false when the address must be confirmed first (EMAIL_VERIFICATION=required). Throws an Error with a readable message. */
  signUp: (input: SignUpInput) => Promise<boolean>
  /** Ends the session on the server and forgets it here. */
  signOut: () => Promise<void>
  /** Forgets a session the server no longer knows and clears its cookie. */
  clear: () => Promise<void>
}

/** The browser's view of its session, shared by every component through `useState`. */
export function useAuth(): UseAuth {
  const state = useState<SessionState>('auth:session', () => null)
  const loading = useState('auth:loading', () => false)
  const endReason = useState<SessionEndReason | null>('auth:ended', () => null)
  const event = useRequestEvent()
  const cookie = useRequestHeaders(['cookie']).cookie
  // $api is read when called: this composable also runs inside plugins/api.ts, before it is provided.
  const nuxtApp = useNuxtApp()

  async function fetchSession() {
    // Rendering for a visitor with no session cookie: no session, and no reason one ended (that is
    // kept under the cookie). Nothing to ask the server; the browser asks again once it has one.
    if (import.meta.server && !cookie?.includes(`${SESSION_COOKIE_NAME}=`)) {
      state.value = null
      endReason.value = null
      return null
    }
    loading.value = true
    try {
      const answer = await fetchSessionData(nuxtApp.$api, event, cookie)
      state.value = answer.data
      endReason.value = answer.ended
    }
    finally {
      loading.value = false
    }
    return state.value
  }

  /** Runs a better-auth action through its client (read when called: plugins/api.ts uses this composable first); failures become an Error with a readable message. */
  async function authAction<T>(action: (client: AuthClient) => Promise<T>, fallback: string): Promise<T> {
    try {
      return await action(nuxtApp.$authClient)
    }
    catch (error) {
      throw new Error(errorMessage(error, fallback))
    }
  }

  async function signedIn() {
    await fetchSession()
    tellOtherTabs({ type: 'signed-in' })
  }

  return {
    user: computed(() => state.value?.user ?? null),
    session: computed(() => state.value?.session ?? null),
    loggedIn: computed(() => !!state.value),
    endReason,
    loading,
    fetchSession,
    refreshSession: fetchSession,
    async signIn(input) {
      const answer = await authAction(client => client.signIn.email(SignInSchema.parse(input)), 'Sign-in failed. Please try again.')
      if ('twoFactorRedirect' in answer && answer.twoFactorRedirect) return 'two-factor'
      await signedIn()
      return 'signed-in'
    },
    async verifyTwoFactor(input) {
      const { code, backup, trustDevice } = TwoFactorCodeSchema.parse(input)
      await authAction(client => backup ? client.twoFactor.verifyBackupCode({ code, trustDevice }) : client.twoFactor.verifyTotp({ code, trustDevice }), 'Verification failed. Please try again.')
      await signedIn()
    },
    async signInWithCode(input) {
      const answer = await authAction(client => client.signIn.emailOtp(SignInCodeSchema.parse(input)), 'Sign-in failed. Please try again.')
      if ('twoFactorRedirect' in answer && answer.twoFactorRedirect) return 'two-factor'
      await signedIn()
      return 'signed-in'
    },
    async signUp(input) {
      await authAction(client => client.signUp.email(SignUpSchema.parse(input)), 'Registration failed. Please try again.')
      if (!await fetchSession()) return false
      tellOtherTabs({ type: 'signed-in' })
      return true
    },
    async signOut() {
      await authAction(client => client.signOut(), 'Sign-out failed. Please try again.')
      state.value = null
      tellOtherTabs({ type: 'signed-out' })
    },
    async clear() {
      state.value = null
      // The session is already gone on the server; this only clears the stale cookie.
      await authAction(client => client.signOut(), '').catch(() => {})
    },
  }
}
