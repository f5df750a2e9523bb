import { listDeviceSessions } from '../../../../sessions/devices'

export default defineEventHandler(async (event) => {
  const { user } = await requireTargetUser(event)
  return { success: true as const, data: await listDeviceSessions(user.id) }
})
