/**
 * Secure by default: every page needs a session unless it says otherwise with
 * `definePageMeta({ auth: false })` (public) or `{ auth: 'guest' }` (signed-out visitors only).
 */
export default defineNuxtRouteMiddleware(async (to) => {
  const nuxtApp = useNuxtApp()
  const { loggedIn, user, endReason, fetchSession } = useAuth()

  // On hydration the server already loaded the session into the payload.
  if (!(import.meta.client && nuxtApp.isHydrating && nuxtApp.payload.serverRendered)) {
    try {
      await fetchSession()
    }
    catch {
      // Offline on the client: keep what we knew. During SSR there is no other answer to give.
      if (import.meta.server) throw createError({ statusCode: 503, statusMessage: 'Session service unavailable' })
    }
  }

  const rule = to.meta.auth ?? true
  // No page matched: let Nuxt answer 404 rather than ask for a sign-in first.
  if (rule === false || to.matched.length === 0) return
  if (rule === 'guest') {
    if (loggedIn.value) return navigateTo(safeRedirect(to.query.redirect), { replace: true })
    return
  }
  // `external` on the server sends our Location verbatim (`?redirect=%2Fdashboard`), not the router's re-encoding.
  if (!loggedIn.value) return navigateTo(loginPath(to.fullPath, endReason.value), { replace: true, external: import.meta.server })
  // Forced onboarding: a signed-in page waits until the user has set up their account, and /onboarding leads on after.
  const onboarded = !!user.value?.onboardedAt
  if (to.path === '/onboarding' && onboarded) return navigateTo(safeRedirect(to.query.redirect), { replace: true })
  if (to.path !== '/onboarding' && !onboarded) return navigateTo(onboardingPath(to.fullPath), { replace: true, external: import.meta.server })
})

declare module '#app' {
  interface PageMeta {
    /** `false`: public; `'guest'`: signed-out visitors only; default: needs a session. */
    auth?: boolean | 'guest'
  }
}
