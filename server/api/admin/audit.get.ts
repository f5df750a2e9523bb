import { z } from 'zod'
import { describeDevice } from '../../sessions/devices'

const PAGE_SIZE = 50
const Query = z.object({ page: z.coerce.number().int().min(1).max(100_000).default(1) })

export default defineEventHandler(async (event) => {
  await requireAdmin(event)
  const { page } = await getValidatedQuery(event, Query.parse)
  const db = useDb()
  const [events, total] = await Promise.all([
    db.auditEvent.findMany({ orderBy: { createdAt: 'desc' }, skip: (page - 1) * PAGE_SIZE, take: PAGE_SIZE }),
    db.auditEvent.count(),
  ])
  // Audit rows keep ids only; name the people still on file.
  const ids = [...new Set(events.flatMap(e => [e.userId, e.actorId]).filter((id): id is string => !!id))]
  const emails = new Map((await db.user.findMany({ where: { id: { in: ids } }, select: { id: true, email: true } })).map(u => [u.id, u.email]))
  const data = events.map(({ userAgent, detail, ...e }) => ({
    ...e,
    ...describeDevice(userAgent),
    email: e.email ?? (e.userId ? emails.get(e.userId) ?? null : null),
    actorEmail: e.actorId ? emails.get(e.actorId) ?? null : null,
    detail: detail ? JSON.parse(detail) as Record<string, unknown> : null,
  }))
  return { success: true as const, data: { events: data, total, page, pageSize: PAGE_SIZE } }
})
