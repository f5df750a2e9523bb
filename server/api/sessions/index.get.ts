import { listDeviceSessions } from '../../sessions/devices'

export default defineEventHandler(async (event) => {
  const { user, session } = await requireOnboarded(event)
  return { success: true as const, data: await listDeviceSessions(user.id, session.id) }
})
