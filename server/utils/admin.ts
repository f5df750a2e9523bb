import type { H3Event } from 'h3'
import { requireAdmin } from '../sessions/guards'
import { IdParams } from './session'
import { useDb } from '../platform/db'

/** The user named by the route's `:id`, for an administrator; 404 if there is none. */
export async function requireTargetUser(event: H3Event) {
  const admin = await requireAdmin(event)
  const { id } = await getValidatedRouterParams(event, IdParams.parse)
  const user = await useDb().user.findUnique({ where: { id }, select: { id: true, email: true } })
  if (!user) throw createError({ statusCode: 404, message: 'User not found' })
  return { admin, user }
}
