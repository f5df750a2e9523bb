import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { createError, createEvent, type H3Error } from 'h3'
import { describe, expect, it, vi } from 'vitest'

// server/error.ts, the one place errors become answers: what an API client and a page get.
vi.mock('nitropack/runtime', () => ({ defineNitroErrorHandler: <T>(handler: T) => handler }))
const begun: string[] = []
vi.mock('../../server/platform/db', () => ({ databaseOutage: { begin: (why: string) => void begun.push(why) } }))
const { default: handle, GONE_MESSAGE, RETRY_AFTER_SECONDS, UNAVAILABLE_MESSAGE } = await import('../../server/error')

/** Runs the handler on `error` for a request to `path`; the answer's status, headers and JSON body. */
async function answer(error: H3Error, path = '/api/thing', context: Record<string, unknown> = {}) {
  const req = new IncomingMessage(new Socket())
  Object.assign(req, { method: 'GET', url: path })
  const res = new ServerResponse(req)
  let body = ''
  res.end = ((chunk?: string) => {
    body += chunk ?? ''
    return res
  }) as typeof res.end
  const event = createEvent(req, res)
  Object.assign(event.context, context)
  await (handle as unknown as (e: H3Error, ev: typeof event) => unknown)(error, event)
  return { status: res.statusCode, retryAfter: res.getHeader('retry-after'), error, json: body ? JSON.parse(body) : undefined }
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })

describe('the error handler', () => {
  it('an unreachable database anywhere in the cause chain is a 503 JSON with Retry-After, and begins the outage', async () => {
    const { status, retryAfter, json } = await answer(createError({ statusCode: 500, cause: refused() }))
    expect({ status, retryAfter, json }).toEqual({ status: 503, retryAfter: RETRY_AFTER_SECONDS, json: { success: false, message: UNAVAILABLE_MESSAGE } })
    expect(begun.at(-1)).toMatch(/ECONNREFUSED/)
  })

  it('any error in a request that found a dependency down is a 503 too (better-auth makes a failed lookup a 401), pages included', async () => {
    const touched = vi.fn()
    const api = await answer(createError({ statusCode: 401, message: 'Authentication required' }), '/api/me', { unavailable: { touch: touched, begin: vi.fn() } })
    expect(api.status).toBe(503)
    expect(touched).toHaveBeenCalled()
    // A page: the same error object goes on to Nuxt's error page with 503.
    const page = await answer(createError({ statusCode: 401 }), '/dashboard', { unavailable: { touch: vi.fn(), begin: vi.fn() } })
    expect(page.json).toBeUndefined()
    expect(page.error.statusCode).toBe(503)
    expect(page.retryAfter).toBe(RETRY_AFTER_SECONDS)
  })

  it('an unexpected failure says nothing of its internals; a handled one keeps its message, code and ended', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    expect((await answer(Object.assign(createError(new Error('SELECT * FROM secret')), { unhandled: true }))).json).toEqual({ success: false, message: 'Internal server error' })
    logged.mockRestore()
    expect((await answer(createError({ statusCode: 401, message: 'Authentication required', data: { ended: 'revoked' } }))).json)
      .toEqual({ success: false, message: 'Authentication required', ended: 'revoked' })
    expect((await answer(createError({ statusCode: 403, message: 'Please confirm your password to continue.', data: { code: 'REAUTH_REQUIRED' } }))).json)
      .toEqual({ success: false, message: 'Please confirm your password to continue.', code: 'REAUTH_REQUIRED' })
  })

  it('a write that refers to a row deleted meanwhile (a sign-in racing the account\'s deletion) is a 409, on either database', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    for (const code of ['SQLITE_CONSTRAINT_FOREIGNKEY', '23503']) {
      const { status, json } = await answer(createError({ statusCode: 500, cause: Object.assign(new Error('FOREIGN KEY constraint failed'), { code }) }))
      expect({ status, json }).toEqual({ status: 409, json: { success: false, message: GONE_MESSAGE, code: 'GONE_MEANWHILE' } })
    }
    expect(logged).not.toHaveBeenCalled()
    logged.mockRestore()
  })

  it('validation issues become one readable message naming each field', async () => {
    const { status, json } = await answer(createError({ statusCode: 400, data: { issues: [{ path: ['email'], message: 'Invalid email' }, { path: [], message: 'Too short' }] } }))
    expect(status).toBe(400)
    expect(json.message).toBe('email: Invalid email; Too short')
  })
})
