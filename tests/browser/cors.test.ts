import { createServer, type Server } from 'node:http'
import { getBrowser, setup } from '@nuxt/test-utils/e2e'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { chromiumLaunchOptions } from '../support/chromium'
import { signUp } from '../support/http'
import { freePort, startServer, type TestServer } from '../support/server'

const launch = chromiumLaunchOptions()
await setup({ host: inject('baseURL'), browser: !!launch, browserOptions: { type: 'chromium', launch } })

/** A page of another origin: an empty document served on its own port. */
async function otherOrigin() {
  const port = await freePort()
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>partner</title>'))
  await new Promise<void>(resolve => server.listen(port, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${port}`, server }
}

describe.skipIf(!launch)('CORS in Chromium: preflights as a browser sends them', () => {
  let app: TestServer
  let partner: { url: string, server: Server }
  let stranger: { url: string, server: Server }
  beforeAll(async () => {
    partner = await otherOrigin()
    stranger = await otherOrigin()
    app = await startServer({ CORS_ORIGINS: partner.url })
  })
  afterAll(async () => {
    await app?.stop()
    partner?.server.close()
    stranger?.server.close()
  })

  /** Signs in with fetch from a page of `origin` (a JSON POST: the browser sends a preflight first); what the page's script could see. */
  async function signInFrom(origin: string, email: string, password: string) {
    const context = await (await getBrowser()).newContext()
    const page = await context.newPage()
    await page.goto(origin)
    const seen = await page.evaluate(async ({ api, email, password }) => {
      try {
        const response = await fetch(`${api}/api/auth/sign-in/email`, {
          method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }),
        })
        const me = await fetch(`${api}/api/me`, { credentials: 'include' })
        return { status: response.status, token: response.headers.get('set-auth-token'), me: me.status }
      }
      catch (error) {
        return { error: String(error) }
      }
    }, { api: app.url, email, password })
    await context.close()
    return seen
  }

  it('an origin in CORS_ORIGINS signs in cross-origin, reads set-auth-token and sends its cookie', async () => {
    const { email, password } = await signUp(app.url)
    const seen = await signInFrom(partner.url, email, password)
    expect(seen).toEqual({ status: 200, token: expect.stringMatching(/^[^.]+\.[^.]+$/), me: 200 })
  })

  it('any other origin is stopped by the browser: no CORS headers, so its script learns nothing', async () => {
    const { email, password } = await signUp(app.url)
    const seen = await signInFrom(stranger.url, email, password)
    expect(seen).toEqual({ error: expect.stringMatching(/Failed to fetch/) })
  })
})
