// A page request with no credentials, answered from the pages kept for such visitors (server/platform/pages.ts).
import { cachedPage } from '../platform/pages'

export default defineEventHandler((event) => {
  if (event.path.startsWith('/api/') || event.path.startsWith('/_nuxt/')) return
  return cachedPage(event)
})
