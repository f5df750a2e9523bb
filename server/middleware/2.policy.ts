// Every /api route answers under its policy in the route table (server/auth/route-table.ts), or not at all.
import { enforcePolicy } from '../auth/policy'

export default defineEventHandler(async (event) => {
  if (event.path.startsWith('/api/')) event.context.route = await enforcePolicy(event)
})
