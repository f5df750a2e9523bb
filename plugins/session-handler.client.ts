/** A focus re-check at most this often (ms): switching windows back and forth costs nothing. */
const FOCUS_GAP = 5000

/**
 * Keeps the browser's view of its session true, for every tab at once:
 * - one visible tab polls every SESSION_POLL_INTERVAL seconds for all (a Web Lock elects it);
 *   hidden tabs make no requests, and a tab checks at once when it becomes visible, regains
 *   focus or the browser comes back online;
 * - any 401 from our API means the session ended (plugins/api.ts);
 * - signing in or out, or a session found gone, reaches the other tabs through tab-sync.ts.
 * A page that needs a session then goes to the sign-in page with a way back.
 * A network failure signs no one out: only an answer that says "no session" does.
 * (better-auth's Vue client refetches in every tab, hidden ones too, and syncs over localStorage
 * only; our session is also /api/session, not better-auth's get-session. Hence this plugin.)
 */
export default defineNuxtPlugin((nuxtApp) => {
  const { loggedIn, endReason, fetchSession } = useAuth()
  const { sessionEnded, leave } = useSessionEnded()
  const router = useRouter()
  const interval = Number(useRuntimeConfig().public.sessionPollInterval) * 1000

  /** Asks the server; true when it answered (whatever the answer), false on a network failure. */
  async function ask() {
    try {
      await fetchSession()
      return true
    }
    catch {
      return false
    }
  }

  let lastCheck = 0
  async function check(minGap = 0) {
    if (!loggedIn.value || Date.now() - lastCheck < minGap) return
    lastCheck = Date.now()
    if (await ask() && !loggedIn.value) await sessionEnded(endReason.value ?? undefined)
  }

  /** Another tab's word is a reason to ask the server, not proof. A hidden tab asks once it is seen. */
  let pending: TabMessage | undefined
  async function heard(message: TabMessage) {
    if (document.visibilityState !== 'visible') {
      pending = message
      return
    }
    pending = undefined
    if (!await ask()) return
    const route = router.currentRoute.value
    if (message.type === 'signed-out' && !loggedIn.value) await leave(message.reason ?? 'signed-out')
    if (message.type === 'signed-in' && loggedIn.value && route.meta.auth === 'guest') {
      await nuxtApp.runWithContext(() => navigateTo(safeRedirect(route.query.redirect), { replace: true }))
    }
  }
  onOtherTabs(message => void heard(message))

  // One interval, run only by the tab that holds the poller's Web Lock (VueUse's useIntervalFn).
  const poller = useIntervalFn(() => void check(), interval, { immediate: false })
  let polling: AbortController | undefined
  function startPolling() {
    if (polling) return
    polling = new AbortController()
    const { signal } = polling
    const poll = () => new Promise<void>((resolve) => {
      poller.resume()
      signal.addEventListener('abort', () => {
        poller.pause()
        resolve()
      }, { once: true })
    })
    // The tab holding the lock polls; the others wait for it (and take over when it hides or closes).
    if (navigator.locks) navigator.locks.request('auth:poller', { signal }, poll).catch(() => {})
    else void poll()
  }
  function stopPolling() {
    polling?.abort()
    polling = undefined
  }

  // Visibility, focus and the network, through VueUse: a hidden tab stops, a tab seen again checks at once.
  const visibility = useDocumentVisibility()
  watch(visibility, (state) => {
    if (state !== 'visible') return stopPolling()
    void (pending ? heard(pending) : check())
    startPolling()
  })
  watch(useWindowFocus(), focused => focused && void check(FOCUS_GAP))
  watch(useOnline(), online => online && void check())
  if (visibility.value === 'visible') startPolling()
})
