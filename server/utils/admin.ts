import type { H3Event } from 'h3'
import { z } from 'zod'

const Params = z.object({ id: z.string().min(1).max(128) })

/** The user named by the route's `:id`, for an administrator; 404 if there is none. */
export async function requireTargetUser(event: H3Event) {
  const admin = await requireAdmin(event)
  const { id } = await getValidatedRouterParams(event, Params.parse)
  const user = await useDb().user.findUnique({ where: { id }, select: { id: true, email: true } })
  if (!user) throw createError({ statusCode: 404, message: 'User not found' })
  return { admin, user }
}
