import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CALLER_TEXT, ROUTES, routesFor } from '../../server/auth/route-table'

const root = new URL('../..', import.meta.url).pathname
const apiDir = join(root, 'server/api')

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? routeFiles(join(dir, e.name)) : [relative(apiDir, join(dir, e.name))])
}

/** `admin/users/[id]/ban.post.ts` -> `POST /api/admin/users/{id}/ban`, as Nitro routes it. */
function routeOf(file: string) {
  const [, path, method] = file.match(/^(.*)\.(get|post|delete)\.ts$/)!
  const url = `/api/${path}`.replace(/\/index$/, '').replace(/\[(\w+)\]/g, '{$1}')
  return `${method!.toUpperCase()} ${url}`
}

describe('the route table', () => {
  it('declares every route file in server/api (better-auth\'s catch-all aside), and no route of ours without one', () => {
    const files = routeFiles(apiDir).filter(f => f !== 'auth/[...all].ts').map(routeOf).sort()
    const ours = ROUTES.filter(r => !r.path.startsWith('/api/auth/')).map(r => `${r.method} ${r.path}`).sort()
    expect(ours).toEqual(files)
  })

  it('declares each method and path once', () => {
    const keys = ROUTES.map(r => `${r.method} ${r.path}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('finds routes by their canonical path only', () => {
    expect(routesFor('/api/sessions/abc').map(r => r.method)).toEqual(['DELETE'])
    expect(routesFor('/api/auth/callback/oidc').map(r => r.path)).toEqual(['/api/auth/callback/{id}'])
    expect(routesFor('/api/auth/sign-in/./email')).toEqual([])
    expect(routesFor('/api/auth/sign-in/email/')).toEqual([])
    expect(routesFor('/api/auth/delete-user')).toEqual([])
  })

  it('the README\'s API reference lists every route with who may call it, and nothing else', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## API reference'), readme.indexOf('## Using `useAuth()`'))
    const rows = section.split('\n').filter(line => /^\| `(GET|POST|DELETE) /.test(line))
    const expected = ROUTES.map(r => `| \`${r.method} ${r.path}\` | ${CALLER_TEXT[r.caller]} | ${r.summary} |`)
    expect(rows).toEqual(expected)
  })

  it.each([
    '/api/auth/sign-in/email', '/api/auth/sign-in/email-otp', '/api/auth/two-factor/verify-totp', '/api/auth/two-factor/verify-backup-code',
    '/api/auth/two-factor/enable', '/api/auth/two-factor/disable', '/api/auth/two-factor/generate-backup-codes',
    '/api/sessions/reauthenticate', '/api/account/password', '/api/account/delete',
  ])('%s (a guessed secret) is limited per client address and, counting failures, per account', (path) => {
    const route = ROUTES.find(r => r.path === path && r.method === 'POST')!
    expect(route.limits?.some(l => l.per === 'ip')).toBe(true)
    expect(route.limits?.some(l => l.per !== 'ip' && l.count === 'failures')).toBe(true)
  })
})
