/** Pages with `definePageMeta({ middleware: 'admin' })`: administrators only, refused with 403 during SSR too. */
export default defineNuxtRouteMiddleware(() => {
  const { user } = useAuth()
  if (user.value?.role !== 'admin') {
    return abortNavigation(createError({ statusCode: 403, statusMessage: 'Administrator access required' }))
  }
})
