import { describeDevice } from '../../sessions/devices'

export default defineEventHandler(async (event) => {
  const { user } = await requireOnboarded(event)
  const events = await useDb().auditEvent.findMany({
    where: { userId: user.id },
    orderBy: { createdAt: 'desc' },
    take: 20,
    select: { id: true, type: true, ipAddress: true, userAgent: true, createdAt: true },
  })
  return { success: true as const, data: events.map(({ userAgent, ...rest }) => ({ ...rest, ...describeDevice(userAgent) })) }
})
