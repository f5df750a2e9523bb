import { CALLER_TEXT, ROUTES } from './route-table'
import { useServerAuth } from './instance'
import { useEnv } from '../platform/env'

type OpenApi = { paths?: Record<string, Record<string, unknown>> } & Record<string, unknown>

/**
 * One OpenAPI document for everything that answers, from the route table: better-auth's generated
 * schema for its declared routes (under /api/auth), plus ours. Each operation says who may call it.
 */
export async function openApiDocument(): Promise<OpenApi> {
  const auth = await useServerAuth().api.generateOpenAPISchema() as unknown as OpenApi
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of ROUTES) {
    if (route.caller === 'dev' || route.caller === 'bench') continue
    const method = route.method.toLowerCase()
    const generated = route.path.startsWith('/api/auth/') ? auth.paths?.[route.path.slice('/api/auth'.length)]?.[method] as Record<string, unknown> | undefined : undefined
    const parameters = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }))
    paths[route.path] = {
      ...paths[route.path],
      [method]: {
        ...(generated ?? { tags: ['App'], parameters, responses: { 200: { description: 'Success' } } }),
        'summary': route.summary,
        'description': `Who may call it: ${CALLER_TEXT[route.caller]}.`,
        'x-caller': route.caller,
      },
    }
  }
  return { ...auth, info: { title: 'SessionKit API', version: '1' }, servers: [{ url: useEnv().BETTER_AUTH_URL }], paths }
}
