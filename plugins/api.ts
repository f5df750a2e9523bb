/**
 * `$api`: the app's fetch for its own API (`const api = useApi()` in a component's setup). A 401
 * from this site's /api (not better-auth's /api/auth, where 401 means "wrong password") means the
 * session ended: the tab goes to the sign-in page with the reason the answer gives. Any other
 * origin's 401 is that site's business.
 */
export default defineNuxtPlugin(() => {
  const { loggedIn } = useAuth()
  const { sessionEnded } = useSessionEnded()
  const api = $fetch.create({
    onResponseError({ request, response }) {
      if (!import.meta.client || response.status !== 401 || !loggedIn.value) return
      if (!endsTheSession(typeof request === 'string' ? request : request.url, window.location.origin)) return
      // The 401 says why the session ended (it also cleared the cookie, so nobody can ask again).
      void sessionEnded(SessionEndReasonSchema.safeParse((response._data as { ended?: unknown } | undefined)?.ended).data)
    },
  })
  return { provide: { api } }
})
