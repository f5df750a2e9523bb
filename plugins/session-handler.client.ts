/**
 * Keeps the browser's view of its session true: re-checks every SESSION_POLL_INTERVAL seconds,
 * and treats any 401 from our API as the session ending. Either way the browser signs out and,
 * on a page that needs a session, goes to the sign-in page with a way back.
 */
export default defineNuxtPlugin((nuxtApp) => {
  const { loggedIn, fetchSession, clear } = useAuth()
  const router = useRouter()
  const interval = Number(useRuntimeConfig().public.sessionPollInterval) * 1000

  async function sessionEnded() {
    await clear()
    const route = router.currentRoute.value
    if (route.meta.auth === false || route.meta.auth === 'guest') return
    await nuxtApp.runWithContext(() => navigateTo(loginPath(route.fullPath), { replace: true }))
  }

  // 401s from better-auth's own routes mean "wrong password" and the like, not "session gone".
  globalThis.$fetch = globalThis.$fetch.create({
    onResponseError({ request, response }) {
      const path = typeof request === 'string' ? request : request.url
      if (response.status === 401 && loggedIn.value && !path.includes('/api/auth/')) void sessionEnded()
    },
  })

  setInterval(async () => {
    if (!loggedIn.value) return
    try {
      await fetchSession()
    }
    catch {
      return // A network failure says nothing about the session.
    }
    if (!loggedIn.value) await sessionEnded()
  }, interval)
})
