interface RunOptions {
  /** Runs after a success, before the notice shows (e.g. re-fetching a list), so both appear together. */
  after?: () => unknown
}

/** Refusals that mean "confirm your password, then try again": ours, and better-auth's fresh-session check. */
const NEEDS_REAUTH = new Set(['REAUTH_REQUIRED', 'SESSION_NOT_FRESH'])

/**
 * One action at a time for a page: which one is busy, then a success notice or a failure message.
 * An action that needs a recent sign-in waits in `awaitingReauth` (show <AccountReauthForm> while it
 * is set) and runs again once `reauthenticated` is called.
 */
export function useAction() {
  const busy = ref<string | null>(null)
  const notice = ref('')
  const failure = ref('')
  const awaitingReauth = shallowRef<(() => Promise<void>) | null>(null)

  async function run(key: string, action: () => unknown, done: string, options: RunOptions = {}) {
    busy.value = key
    notice.value = ''
    failure.value = ''
    try {
      await action()
      await options.after?.()
      notice.value = done
    }
    catch (error) {
      if (NEEDS_REAUTH.has(errorCode(error) ?? '')) awaitingReauth.value = () => run(key, action, done, options)
      else failure.value = failureMessage(error, 'That did not work. Please try again.')
    }
    finally {
      busy.value = null
    }
  }

  async function reauthenticated() {
    const retry = awaitingReauth.value
    awaitingReauth.value = null
    await retry?.()
  }

  return { busy, notice, failure, run, awaitingReauth, reauthenticated }
}
