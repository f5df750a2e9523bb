import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { API_ROUTES } from '../../server/utils/api-routes'

const root = new URL('../..', import.meta.url).pathname
const apiDir = join(root, 'server/api')
/** Tooling routes, not part of the product's API: better-auth's catch-all, the bench and the reference itself. */
const TOOLING = ['auth/[...all].ts', 'bench/[mode].get.ts', 'openapi.json.get.ts', 'reference.get.ts']

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? routeFiles(join(dir, e.name)) : [relative(apiDir, join(dir, e.name))])
}

/** `admin/users/[id]/ban.post.ts` -> `POST /api/admin/users/{id}/ban`, as Nitro routes it. */
function routeOf(file: string) {
  const [, path, method] = file.match(/^(.*)\.(get|post|delete)\.ts$/)!
  const url = `/api/${path}`.replace(/\/index$/, '').replace(/\[(\w+)\]/g, '{$1}')
  return `${method!.toUpperCase()} ${url}`
}

describe('the API reference', () => {
  it('lists every route in server/api, and nothing that is not there', () => {
    const files = routeFiles(apiDir).filter(f => !TOOLING.includes(f)).map(routeOf).sort()
    expect(API_ROUTES.map(r => `${r.method} ${r.path}`).sort()).toEqual(files)
  })

  it('every route appears in the README\'s API section with who may call it', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## API reference'))
    for (const route of API_ROUTES) expect(section, `${route.method} ${route.path}`).toContain(`| \`${route.method} ${route.path}\` |`)
  })
})
