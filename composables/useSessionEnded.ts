/**
 * What this tab does when its session is gone: tells the other tabs (with the reason, when
 * known), forgets the session, and leaves a page that needs one for the sign-in page, which says
 * why and leads back. Call it in setup (or a plugin); the function it returns works anywhere.
 */
export function useSessionEnded() {
  const nuxtApp = useNuxtApp()
  const router = useRouter()
  const { clear } = useAuth()

  /** Leaves a page that needs a session for `/login?redirect=…&reason=…`; public pages stay. */
  async function leave(reason: SessionEndReason | undefined) {
    const route = router.currentRoute.value
    if (route.meta.auth === false || route.meta.auth === 'guest') return
    await nuxtApp.runWithContext(() => navigateTo(loginPath(route.fullPath, reason), { replace: true }))
  }

  async function sessionEnded(reason: SessionEndReason | undefined) {
    tellOtherTabs({ type: 'signed-out', reason })
    await clear()
    await leave(reason)
  }

  return { sessionEnded, leave }
}
