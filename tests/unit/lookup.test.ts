import { createEvent } from 'h3'
import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import { beforeEach, describe, expect, it, vi } from 'vitest'

const getSession = vi.fn(async () => ({ headers: new Headers(), response: null }))
vi.mock('../../server/auth/instance', () => ({ useServerAuth: () => ({ api: { getSession } }), authHeaders: () => new Headers() }))
vi.mock('../../server/platform/env', () => ({ useEnv: () => ({ SESSION_CACHE_MAX: 10, SESSION_CACHE_TTL: 5, SESSION_MAX_AGE: 0, BETTER_AUTH_URL: 'http://localhost:3000' }) }))
vi.mock('../../server/platform/redis', () => ({ refreshStaleCopy: async () => {} }))

const { getAuthSession } = await import('../../server/sessions/lookup')

/** An h3 event for a GET with these request headers. */
function eventWith(headers: Record<string, string>) {
  const req = new IncomingMessage(new Socket())
  req.method = 'GET'
  req.url = '/api/session'
  req.headers = headers
  return createEvent(req, new ServerResponse(req))
}

describe('getAuthSession (sessions/lookup.ts)', () => {
  beforeEach(() => getSession.mockClear())

  it('asks better-auth nothing for a request that names no session', async () => {
    expect(await getAuthSession(eventWith({ cookie: 'theme=dark; other=1' }))).toBeNull()
    expect(await getAuthSession(eventWith({}))).toBeNull()
    expect(getSession).not.toHaveBeenCalled()
  })

  it('asks better-auth for any session cookie or bearer, well formed or not (it answers the Set-Cookie that clears a bad one)', async () => {
    const named: Record<string, string>[] = [{ cookie: 'better-auth.session_token=abc.def' }, { cookie: '__Secure-better-auth.session_token=unsigned' }, { authorization: 'Bearer abc.def' }]
    for (const headers of named) {
      expect(await getAuthSession(eventWith(headers))).toBeNull()
    }
    expect(getSession).toHaveBeenCalledTimes(3)
  })
})
