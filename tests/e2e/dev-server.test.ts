import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { request, sessionCookie } from '../support/http'
import { freePort, rootDir } from '../support/server'

/** The README's first command, as a newcomer runs it: no configuration beyond a free port. */
describe('npm run dev', async () => {
  const port = await freePort()
  const base = `http://localhost:${port}`
  const child = spawn('npm', ['run', 'dev'], {
    cwd: rootDir,
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
  afterAll(() => {
    if (child.pid) process.kill(-child.pid, 'SIGTERM')
  })

  it('migrates the SQLite database, keeps a generated secret under .data/ and serves a working app', async () => {
    let ready = false
    for (const deadline = Date.now() + 150_000; !ready && Date.now() < deadline && child.exitCode === null;) {
      ready = await fetch(`${base}/api/session`).then(r => r.ok, () => false)
      if (!ready) await new Promise(resolve => setTimeout(resolve, 500))
    }
    expect(ready, output).toBe(true)

    const secret = join(rootDir, '.data', 'dev-secret')
    expect(existsSync(secret)).toBe(true)
    expect(readFileSync(secret, 'utf8').trim().length).toBeGreaterThanOrEqual(32)

    const signUp = await request('/api/auth/sign-up/email', {
      base,
      method: 'POST',
      body: JSON.stringify({ name: 'Dev', email: `dev-${Date.now()}@example.com`, password: 'long enough password' }),
    })
    expect(signUp.status, output).toBe(200)
    const me = await request('/api/me', { base, cookie: sessionCookie(signUp) })
    expect(me.status).toBe(200)

    const page = await request('/', { base })
    expect(await page.text()).toContain('Sessions done right.')
  }, 180_000)
})
