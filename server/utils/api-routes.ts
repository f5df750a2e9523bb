/** Who may call a route: nobody signed in, any session, an onboarded user, a recent sign-in, an administrator, or the revocation list key. */
export type RouteAuth = 'none' | 'session' | 'onboarded' | 'fresh' | 'admin' | 'list-key'

export interface ApiRoute { method: 'GET' | 'POST' | 'DELETE', path: string, auth: RouteAuth, summary: string }

/** Our own API (better-auth's is under /api/auth). A unit test keeps this list and server/api/ in step. */
export const API_ROUTES: ApiRoute[] = [
  { method: 'GET', path: '/api/session', auth: 'none', summary: 'The session (`data`), or null and why it ended (`ended`)' },
  { method: 'GET', path: '/api/providers', auth: 'none', summary: 'The OAuth providers offered for sign-in (`id`, `name`)' },
  { method: 'GET', path: '/api/me', auth: 'session', summary: 'The signed-in user' },
  { method: 'POST', path: '/api/account/onboarding', auth: 'session', summary: 'Set display name and time zone; completes onboarding' },
  { method: 'POST', path: '/api/account/verify-email', auth: 'none', summary: 'Confirm an email address with `{ token }` from the emailed link (single use)' },
  { method: 'POST', path: '/api/account/delete', auth: 'session', summary: 'Delete the account (password required)' },
  { method: 'POST', path: '/api/account/password', auth: 'onboarded', summary: 'Change the password; signs out other devices by default' },
  { method: 'GET', path: '/api/account/events', auth: 'onboarded', summary: 'Recent security events of the account' },
  { method: 'GET', path: '/api/sessions', auth: 'onboarded', summary: 'Every session of the user, this device first' },
  { method: 'DELETE', path: '/api/sessions/{id}', auth: 'onboarded', summary: 'End one session (another device needs a fresh sign-in)' },
  { method: 'POST', path: '/api/sessions/reauthenticate', auth: 'onboarded', summary: 'Confirm the password; swaps this session for a fresh one' },
  { method: 'POST', path: '/api/sessions/revoke-others', auth: 'fresh', summary: 'End every other session' },
  { method: 'POST', path: '/api/sessions/revoke-all', auth: 'fresh', summary: 'End every session, this one included' },
  { method: 'GET', path: '/api/admin/users', auth: 'admin', summary: 'Search and page through users' },
  { method: 'GET', path: '/api/admin/users/{id}/sessions', auth: 'admin', summary: 'A user\'s sessions' },
  { method: 'POST', path: '/api/admin/users/{id}/ban', auth: 'admin', summary: 'Ban a user; their sessions end at once' },
  { method: 'POST', path: '/api/admin/users/{id}/unban', auth: 'admin', summary: 'Lift a ban' },
  { method: 'POST', path: '/api/admin/users/{id}/revoke-sessions', auth: 'admin', summary: 'End every session of a user' },
  { method: 'DELETE', path: '/api/admin/sessions/{id}', auth: 'admin', summary: 'End one session of any user' },
  { method: 'GET', path: '/api/admin/audit', auth: 'admin', summary: 'Everyone\'s security events' },
  { method: 'GET', path: '/api/revocations', auth: 'list-key', summary: 'Signed list of ended sessions and banned users, for resource servers' },
]

const AUTH_TEXT: Record<RouteAuth, string> = {
  'none': 'No session needed.',
  'session': 'Needs a session (cookie or bearer); 401 without.',
  'onboarded': 'Needs a session of an onboarded user; 401 without a session, 403 ONBOARDING_REQUIRED before onboarding.',
  'fresh': 'Needs an onboarded user signed in within SESSION_FRESH_AGE; 403 REAUTH_REQUIRED otherwise.',
  'admin': 'Needs an administrator; 401 without a session, 403 for other users.',
  'list-key': 'Needs `Authorization: Bearer <REVOCATION_LIST_KEY>`; 404 when that is not configured.',
}

type OpenApi = { paths?: Record<string, Record<string, unknown>> } & Record<string, unknown>

/** One OpenAPI document for the whole API: better-auth's generated schema (under /api/auth) plus our routes. */
export async function openApiDocument(): Promise<OpenApi> {
  const auth = await useServerAuth().api.generateOpenAPISchema() as unknown as OpenApi
  const paths: Record<string, Record<string, unknown>> = {}
  for (const [path, operations] of Object.entries(auth.paths ?? {})) paths[`/api/auth${path}`] = operations
  for (const route of API_ROUTES) {
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: { tags: ['App'], summary: route.summary, description: AUTH_TEXT[route.auth], parameters, responses: { 200: { description: 'Success' } } },
    }
  }
  return { ...auth, info: { title: 'SessionKit API', version: '1' }, servers: [{ url: useEnv().BETTER_AUTH_URL }], paths }
}
