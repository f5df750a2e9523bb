export default defineEventHandler(async (event) => {
  const { user, session: current } = await requireSession(event)
  const rows = await useDb().session.findMany({
    where: { userId: user.id, expiresAt: { gt: new Date() } },
    orderBy: { updatedAt: 'desc' },
  })
  const sessions = rows.map(row => ({
    id: row.id,
    ...describeDevice(row.userAgent),
    ipAddress: row.ipAddress,
    createdAt: row.createdAt,
    lastActiveAt: row.updatedAt,
    expiresAt: row.expiresAt,
    current: row.id === current.id,
  }))
  // This device first, then the most recently active.
  return { success: true as const, data: sessions.sort((a, b) => Number(b.current) - Number(a.current)) }
})
