import { randomUUID } from 'node:crypto'
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
        body: JSON.stringify({ name: 'Secure', email: `secure-${randomUUID()}@example.com`, password: 'long enough password' }),
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

  it('the browser gets SESSION_POLL_INTERVAL and SESSION_WARN_BEFORE as validated at start-up, not the build\'s defaults', async () => {
    const server = await startServer({ SESSION_POLL_INTERVAL: '45', SESSION_WARN_BEFORE: '0' })
    try {
      const page = await (await request('/login', { base: server.url })).text()
      // Nuxt puts the public runtime config in the page for the browser.
      const config = page.match(/window\.__NUXT__\.config=(\{.*?\})<\/script>/)?.[1]
      expect(config).toMatch(/sessionPollInterval:45\b/)
      expect(config).toMatch(/sessionWarnBefore:0\b/)
    }
    finally {
      await server.stop()
    }
  })

  it('EMAIL_VERIFICATION=required without SMTP_URL stops the server with a line saying why', async () => {
    const { code, lines } = await startExpectingExit({ BETTER_AUTH_SECRET: 'x'.repeat(40), EMAIL_VERIFICATION: 'required' })
    expect(code).toBe(1)
    expect(lines).toEqual([expect.stringMatching(/EMAIL_VERIFICATION=required needs SMTP_URL/)])
  })

  it('without SMTP_URL, mail features are off and said so at start-up; nothing of a mail reaches the log', async () => {
    const server = await startServer({})
    try {
      expect(server.logs()).toContain('SMTP_URL is not set: password reset, sign-in codes, address confirmation and new-device notices are off.')
      for (const path of ['/api/auth/request-password-reset', '/api/auth/email-otp/send-verification-otp', '/api/auth/send-verification-email']) {
        expect((await request(path, { base: server.url, method: 'POST', body: JSON.stringify({ email: 'someone@example.com', type: 'sign-in' }) })).status, path).toBe(404)
      }
      expect((await (await request('/api/providers', { base: server.url })).json()).mail).toBe(false)
      const login = await (await request('/login', { base: server.url })).text()
      expect(login).not.toContain('Email me a sign-in code')
      expect(login).not.toContain('Forgot your password?')
      // Sign-up would send a confirmation mail: nothing of it is logged.
      expect((await request('/api/auth/sign-up/email', { base: server.url, method: 'POST', body: JSON.stringify({ name: 'Quiet', email: `quiet-${randomUUID()}@example.com`, password: 'long enough password' }) })).status).toBe(200)
      expect(server.logs()).not.toMatch(/Confirm your email|quiet-/)
    }
    finally {
      await server.stop()
    }
  })
})
