import { openApiDocument } from '../auth/openapi'

/** The OpenAPI document of the whole API, in development only. */
export default defineEventHandler(async () => {
  if (!import.meta.dev) throw createError({ statusCode: 404, message: 'Not found' })
  return openApiDocument()
})
