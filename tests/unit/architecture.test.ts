import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import madge from 'madge'
import { describe, expect, it } from 'vitest'

// The server's layout (README, "Architecture"): server/utils is the small public layer route
// handlers reach through Nitro's auto-imports; the domains (auth, sessions, platform, audit) are
// imported explicitly and never reach back up into it; only server/auth touches better-auth's internals.
const server = fileURLToPath(new URL('../../server', import.meta.url))
const DOMAINS = ['auth', 'sessions', 'platform', 'audit']

const filesUnder = (dir: string): string[] => readdirSync(dir, { withFileTypes: true, recursive: true })
  .filter(entry => entry.isFile() && entry.name.endsWith('.ts'))
  .map(entry => join(entry.parentPath, entry.name))

/** The code of a file without its comments and string literals (names in prose are not uses). */
const codeOf = (file: string) => readFileSync(file, 'utf8')
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .replace(/(^|[^:])\/\/.*$/gm, '$1')
  .replace(/'(?:[^'\\\n]|\\.)*'/g, '\'\'')

/** Every name server/utils offers for auto-import, its own and re-exported. */
function utilsNames(): string[] {
  const names = new Set<string>()
  for (const file of filesUnder(join(server, 'utils'))) {
    const text = readFileSync(file, 'utf8')
    for (const [, name] of text.matchAll(/^export (?:async )?(?:function|const|class|let|interface|type|enum) (\w+)/gm)) names.add(name!)
    for (const [, list] of text.matchAll(/^export \{([^}]*)\} from/gm)) {
      for (const name of list!.split(',')) names.add(name.replace(/\btype\b/, '').trim())
    }
  }
  names.delete('')
  return [...names]
}

describe('the server\'s layout', () => {
  it('has no import cycles at run time', async () => {
    // Type-only imports vanish when compiled, so they cannot make a cycle at run time.
    const graph = await madge(server, { fileExtensions: ['ts'], excludeRegExp: [/prisma\/generated/], detectiveOptions: { ts: { skipTypeImports: true } } })
    // madge saw the whole server, not an empty folder.
    expect(Object.keys(graph.obj()).length).toBeGreaterThan(60)
    expect(graph.obj()['auth/instance.ts']).toContain('sessions/revocation.ts')
    expect(graph.circular()).toEqual([])
  })

  it('keeps the domains below server/utils: none imports it, explicitly or through an auto-imported name', () => {
    const names = utilsNames()
    expect(names).toEqual(expect.arrayContaining(['requireSession', 'requireFreshSession', 'useDb', 'useEnv', 'useServerAuth']))
    const uses: string[] = []
    for (const domain of DOMAINS) {
      for (const file of filesUnder(join(server, domain))) {
        const code = codeOf(file)
        if (/from '[./]*\/utils\//.test(readFileSync(file, 'utf8'))) uses.push(`${relative(server, file)} imports from server/utils`)
        const ownImports = new Set([...code.matchAll(/^import (?:type )?\{([^}]*)\}/gm)].flatMap(([, list]) => list!.split(',').map(n => n.replace(/\btype\b/, '').split(' as ').at(-1)!.trim())))
        const defines = (name: string) => new RegExp(`^(?:export )?(?:async )?(?:function|const|class|let|interface|type|enum) ${name}\\b`, 'm').test(code)
        for (const name of names) {
          if (!ownImports.has(name) && !defines(name) && new RegExp(`(?<![.\\w$])${name}\\b`).test(code)) uses.push(`${relative(server, file)} uses ${name} from server/utils`)
        }
      }
    }
    expect(uses).toEqual([])
  })

  it('lets only server/auth reach into better-auth\'s internals', () => {
    const outside = filesUnder(server)
      .filter(file => !relative(server, file).startsWith('auth/'))
      // Its internal adapter and context in the code, or its endpoint context by import.
      .filter(file => /\binternalAdapter\b|\$context\b/.test(codeOf(file)) || readFileSync(file, 'utf8').includes('from \'@better-auth/core/context\''))
      .map(file => relative(server, file))
    expect(outside).toEqual([])
  })

  it('keeps one source per fact: the DATABASE_URL default, the constant-time compare, the browser\'s settings', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url))
    const sources = [...filesUnder(server), ...filesUnder(join(root, 'scripts')), join(root, 'prisma.config.ts'), join(root, 'nuxt.config.ts'), join(server, 'platform/database-url.mjs'), join(root, 'scripts/prisma.mjs'), join(root, 'scripts/start.mjs')]
    const holding = (pattern: RegExp) => [...new Set(sources)].filter(file => pattern.test(readFileSync(file, 'utf8'))).map(file => relative(root, file)).sort()
    expect(holding(/file:\.\/\.data\/app\.db/)).toEqual(['server/platform/database-url.mjs'])
    expect(holding(/timingSafeEqual|constantTimeEqual/)).toEqual(['server/platform/digest.ts'])
    // The browser's runtime config comes from the validated configuration, not from raw variables.
    expect(codeOf(join(root, 'nuxt.config.ts'))).not.toMatch(/process\.env/)
    expect(codeOf(join(root, 'scripts/start.mjs'))).not.toMatch(/SESSION_POLL_INTERVAL|SESSION_WARN_BEFORE|NUXT_PUBLIC/)
  })
})
