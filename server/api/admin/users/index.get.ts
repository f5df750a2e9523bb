import { z } from 'zod'

const PAGE_SIZE = 20
const Query = z.object({
  q: z.string().trim().max(200).optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
})

export default defineEventHandler(async (event) => {
  await requireAdmin(event)
  const { q, page } = await getValidatedQuery(event, Query.parse)
  const { users, total } = await useServerAuth().api.listUsers({
    query: { searchValue: q || undefined, searchField: 'email', searchOperator: 'contains', limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE, sortBy: 'createdAt', sortDirection: 'desc' },
    headers: authHeaders(event),
  })
  return { success: true as const, data: { users: users.map(u => AdminUserSchema.parse(u)), total, page, pageSize: PAGE_SIZE } }
})
