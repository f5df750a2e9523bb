import { execFileSync, spawn } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROUTES } from '../../server/auth/route-table'
import { request, sessionCookie } from '../support/http'
import { freePort, rootDir } from '../support/server'

/**
 * A copy of the checkout (its tracked files, the generated Prisma clients, and node_modules linked),
 * so that `npm run dev` writes its .nuxt/ and .data/ there, not into the checkout the suite runs from.
 */
function copyOfCheckout(): string {
  const copy = mkdtempSync(join(tmpdir(), 'sessions-dev-'))
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: rootDir, encoding: 'utf8' }).split('\0').filter(Boolean)
  for (const file of tracked.filter(f => existsSync(join(rootDir, f)))) {
    mkdirSync(dirname(join(copy, file)), { recursive: true })
    cpSync(join(rootDir, file), join(copy, file))
  }
  cpSync(join(rootDir, 'prisma/generated'), join(copy, 'prisma/generated'), { recursive: true })
  symlinkSync(join(rootDir, 'node_modules'), join(copy, 'node_modules'), 'dir')
  return copy
}

/** The README's first command, as a newcomer runs it: no configuration beyond a free port. */
describe('npm run dev', async () => {
  const port = await freePort()
  const base = `http://localhost:${port}`
  const checkout = copyOfCheckout()
  const child = spawn('npm', ['run', 'dev'], {
    cwd: checkout,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  child.stderr.on('data', (chunk) => {
    output += chunk
  })
  afterAll(async () => {
    if (child.pid && child.exitCode === null) {
      const exited = new Promise(resolve => child.once('exit', resolve))
      process.kill(-child.pid, 'SIGTERM')
      await exited
    }
    rmSync(checkout, { recursive: true, force: true })
  })

  it('migrates the SQLite database, keeps a generated secret under .data/ and serves a working app', async () => {
    let ready = false
    for (const deadline = Date.now() + 150_000; !ready && Date.now() < deadline && child.exitCode === null;) {
      ready = await fetch(`${base}/api/session`).then(r => r.ok, () => false)
      if (!ready) await new Promise(resolve => setTimeout(resolve, 500))
    }
    expect(ready, output).toBe(true)

    const secret = join(checkout, '.data', 'dev-secret')
    expect(existsSync(secret)).toBe(true)
    expect(readFileSync(secret, 'utf8').trim().length).toBeGreaterThanOrEqual(32)

    const email = `dev-${Date.now()}@example.com`
    const signUp = await request('/api/auth/sign-up/email', {
      base,
      method: 'POST',
      body: JSON.stringify({ name: 'Dev', email, password: 'long enough password' }),
    })
    expect(signUp.status, output).toBe(200)
    const me = await request('/api/me', { base, cookie: sessionCookie(signUp) })
    expect(me.status).toBe(200)

    // Without SMTP_URL, mail lands in the development outbox.
    await request('/api/auth/sign-in/email', {
      base,
      method: 'POST',
      headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1' },
      body: JSON.stringify({ email, password: 'long enough password' }),
    })
    await expect.poll(async () => (await request('/dev/outbox', { base })).text(), { timeout: 5000 })
      .toContain(`To ${email}`)
    expect(await (await request('/dev/outbox', { base })).text()).toContain('New sign-in from Safari 17 on iOS 17.1')

    const page = await request('/', { base })
    expect(await page.text()).toContain('Sessions done right.')

    // The API reference: one OpenAPI document with better-auth's routes and ours, and its page.
    const spec = await (await request('/api/openapi.json', { base })).json()
    // Exactly the route table (tooling aside): every operation, with who may call it.
    const operations = Object.entries(spec.paths as Record<string, Record<string, { 'x-caller': string }>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => `${method.toUpperCase()} ${path} ${op['x-caller']}`)).sort()
    expect(operations).toEqual(ROUTES.filter(r => r.caller !== 'dev' && r.caller !== 'bench').map(r => `${r.method} ${r.path} ${r.caller}`).sort())
    expect(spec.paths['/api/sessions'].get.description).toMatch(/onboarded/)
    const reference = await request('/api/reference', { base })
    expect(reference.headers.get('content-type')).toMatch(/text\/html/)
    expect(await reference.text()).toContain('data-url="/api/openapi.json"')
  }, 180_000)
})
