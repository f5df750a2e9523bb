import { z } from 'zod'

/** Route params of `[id]` routes (sessions, users): a non-empty id of sane length. */
export const IdParams = z.object({ id: z.string().min(1).max(128) })

// The guards a route handler starts with (server/sessions/guards.ts).
export { requireSession, requireOnboarded, requireFreshSession, requireAdmin } from '../sessions/guards'
