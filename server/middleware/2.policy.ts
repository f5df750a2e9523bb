// Every /api route answers under its policy in the route table (server/auth/route-table.ts), or not at all.
import { enforcePolicy } from '../auth/policy'

export default defineEventHandler(async (event) => {
  // Any case: /API/me is no route of ours either, and gets our 404.
  if (event.path.toLowerCase().startsWith('/api/')) event.context.route = await enforcePolicy(event)
})
