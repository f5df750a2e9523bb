import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { freePort, rootDir, startServer } from '../support/server'
import { COOKIE, request, sessionCookie } from '../support/http'

const dir = mkdtempSync(join(tmpdir(), 'sessions-config-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `npm start` with exactly `env` and collects what it prints until it exits (or 20 s). */
async function startExpectingExit(env: Record<string, string>) {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: rootDir,
    env: { PATH: process.env.PATH, PORT: String(await freePort()), DATABASE_URL: `file:${join(dir, 'app.db')}`, ...env },
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
  clearTimeout(timer)
  return { code, lines: stderr.split('\n').filter(Boolean) }
}

describe('production configuration', () => {
  it('refuses to start without BETTER_AUTH_SECRET, with one line naming it', async () => {
    const { code, lines } = await startExpectingExit({})
    expect(code).toBe(1)
    expect(lines).toEqual([expect.stringContaining('BETTER_AUTH_SECRET')])
  })

  it('refuses a BETTER_AUTH_SECRET shorter than 32 characters', async () => {
    const { code, lines } = await startExpectingExit({ BETTER_AUTH_SECRET: 'x'.repeat(31) })
    expect(code).toBe(1)
    expect(lines).toEqual([expect.stringMatching(/BETTER_AUTH_SECRET.*32/)])
  })

  it('names any other invalid variable', async () => {
    const { code, lines } = await startExpectingExit({ BETTER_AUTH_SECRET: 'x'.repeat(40), SESSION_EXPIRES_IN: 'a week' })
    expect(code).toBe(1)
    expect(lines).toEqual([expect.stringContaining('SESSION_EXPIRES_IN')])
  })

  it('over https, the session cookie is Secure and __Secure- prefixed', async () => {
    const port = await freePort()
    const server = await startServer({ PORT: String(port), BETTER_AUTH_URL: `https://localhost:${port}` })
    try {
      const response = await request('/api/auth/sign-up/email', {
        base: server.url,
        method: 'POST',
        headers: { origin: `https://localhost:${port}` },
        body: JSON.stringify({ name: 'Secure', email: 'secure@example.com', password: 'long enough password' }),
      })
      expect(response.status).toBe(200)
      const header = response.headers.getSetCookie().find(c => c.startsWith(`__Secure-${COOKIE}=`))
      expect(header).toMatch(/;\s*Secure/i)
      expect(header).toMatch(/;\s*HttpOnly/i)
      expect(sessionCookie(response)).toMatch(/^__Secure-/)
    }
    finally {
      await server.stop()
    }
  })
})
