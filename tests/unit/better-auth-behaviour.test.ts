import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { betterAuth } from 'better-auth'
import { createAuthClient } from 'better-auth/client'
import { twoFactorClient } from 'better-auth/client/plugins'
import { memoryAdapter } from 'better-auth/adapters/memory'
import { makeSignature } from 'better-auth/crypto'
import { admin, bearer, emailOTP, TWO_FACTOR_ERROR_CODES, twoFactor } from 'better-auth/plugins'
import { beforeAll, describe, expect, it } from 'vitest'
import { currentAuthPath } from '../../server/auth/context'
import { addressOfConfirmationLink } from '../../server/auth/email-link'
import { CLEAR_MESSAGES } from '../../server/auth/handler'
import { OTHER_FIRST_FACTORS } from '../../server/auth/two-factor'
import { readSignedCookie } from '../../server/sessions/cache'
import { errorCode, errorMessage } from '../../utils/format'

// What the app assumes of better-auth's behaviour, each pinned on a real better-auth instance (in
// memory) so that `npm update better-auth` that changes one fails here, by name. Where the app
// relies on each: the file named in the test.
const secret = 'contract-test-secret-contract-test-secret'
const base = 'http://localhost:3000'

interface Write { op: string, model: string, where: unknown, path: string | undefined }
const writes: Write[] = []
/** better-auth's memory adapter, recording every delete and update, and the endpoint it ran in. */
const recording = (factory: ReturnType<typeof memoryAdapter>): ReturnType<typeof memoryAdapter> => (options) => {
  const adapter = factory(options)
  const record = <A extends { model: string, where: unknown }, R>(op: string, write: (args: A) => Promise<R>) => (args: A) => {
    writes.push({ op, model: args.model, where: args.where, path: currentAuthPath() })
    return write(args)
  }
  return { ...adapter, delete: record('delete', adapter.delete), deleteMany: record('deleteMany', adapter.deleteMany), update: record('update', adapter.update) as typeof adapter.update, updateMany: record('updateMany', adapter.updateMany) }
}

const tables: Record<string, Record<string, unknown>[]> = { user: [], session: [], account: [], verification: [], twoFactor: [] }
const storage = new Map<string, string>()
const confirmationTokens = new Map<string, string>()
const auth = betterAuth({
  baseURL: base,
  secret,
  database: recording(memoryAdapter(tables)),
  secondaryStorage: {
    get: key => storage.get(key) ?? null,
    set: (key, value) => void storage.set(key, value),
    delete: key => void storage.delete(key),
    getAndDelete: (key) => {
      const value = storage.get(key) ?? null
      storage.delete(key)
      return value
    },
    increment: (key) => {
      const next = Number(storage.get(key) ?? 0) + 1
      storage.set(key, String(next))
      return next
    },
  },
  session: { storeSessionInDatabase: true },
  emailAndPassword: { enabled: true },
  emailVerification: { sendVerificationEmail: async ({ user, token }) => void confirmationTokens.set(user.email, token) },
  rateLimit: { enabled: true, storage: 'memory', window: 60, max: 1000, customRules: { '/sign-in/email': { window: 60, max: 3 } } },
  plugins: [bearer({ requireSignature: true }), twoFactor(), admin(), emailOTP({ sendVerificationOTP: async () => {} })],
  logger: { disabled: true },
  telemetry: { enabled: false },
})

let ip = 0
/** A request to better-auth's handler, from an address of its own (its limiter counts per address). */
const call = (path: string, body?: object, headers: Record<string, string> = {}) => auth.handler(new Request(`${base}/api/auth${path}`, {
  method: body ? 'POST' : 'GET',
  headers: { 'content-type': 'application/json', 'origin': base, 'x-forwarded-for': `203.0.113.${++ip % 250}`, ...headers },
  body: body && JSON.stringify(body),
}))
const cookieOf = (response: Response, name: string) => response.headers.getSetCookie().find(c => c.startsWith(`${name}=`))?.split(';')[0]
const password = 'a long enough password'
async function signUp() {
  const email = `contract-${crypto.randomUUID()}@example.com`
  const response = await call('/sign-up/email', { name: 'Contract', email, password })
  expect(response.status).toBe(200)
  const body = await response.json() as { user: { id: string } }
  return { email, userId: body.user.id, cookie: cookieOf(response, 'better-auth.session_token')!, response }
}

describe('better-auth behaviour the app relies on', () => {
  let first: Awaited<ReturnType<typeof signUp>>
  beforeAll(async () => {
    first = await signUp()
  })

  it('the session cookie is better-auth.session_token = <token>.<HMAC of the token>, and a bearer sign-in answers the same value in set-auth-token (sessions/cache.ts readSignedCookie)', async () => {
    const signed = readSignedCookie(new Headers({ cookie: first.cookie }))
    expect(signed).toBeDefined()
    expect(signed!.signature).toBe(await makeSignature(signed!.token, secret))
    expect(decodeURIComponent(first.response.headers.get('set-auth-token')!)).toBe(`${signed!.token}.${signed!.signature}`)
  })

  it('with secondaryStorage, each session is kept under its token and listed under active-sessions-<userId> (server/plugins/revocation-listener.ts dropUserSessionCopies)', () => {
    const { token } = readSignedCookie(new Headers({ cookie: first.cookie }))!
    expect(storage.has(token)).toBe(true)
    const list = JSON.parse(storage.get(`active-sessions-${first.userId}`)!) as { token: string }[]
    expect(list.map(s => s.token)).toContain(token)
  })

  it('ends sessions through the adapter with one equality or `in` on token, id or userId, inside the endpoint\'s context (sessions/revocation.ts valuesOf, auth/context.ts)', async () => {
    const user = await signUp()
    const second = cookieOf(await call('/sign-in/email', { email: user.email, password }), 'better-auth.session_token')!
    writes.length = 0
    expect((await call('/revoke-other-sessions', {}, { cookie: user.cookie })).status).toBe(200)
    expect((await call('/sign-out', {}, { cookie: user.cookie })).status).toBe(200)
    const deletes = writes.filter(w => w.model === 'session' && w.op.startsWith('delete'))
    expect(deletes.length).toBeGreaterThanOrEqual(2)
    for (const { where } of deletes) {
      expect(where).toEqual([expect.objectContaining({ field: expect.stringMatching(/^(token|id|userId)$/), value: expect.anything() })])
      const [clause] = where as { operator?: string, value: unknown }[]
      expect([undefined, 'eq', 'in']).toContain(clause!.operator)
    }
    expect(deletes.map(d => d.path)).toEqual(expect.arrayContaining(['/revoke-other-sessions', '/sign-out']))
    expect(second).toBeDefined()
  })

  it('offers the internalAdapter methods the app calls, on a promised $context (auth/instance.ts)', async () => {
    const { internalAdapter } = await auth.$context
    for (const method of ['deleteUserSessions', 'deleteVerificationByIdentifier', 'findUserByEmail', 'updateUser'] as const) {
      expect(typeof internalAdapter[method], method).toBe('function')
    }
  })

  it('its own limiter answers 429 with X-Retry-After in seconds (auth/handler.ts refuseTooMany)', async () => {
    const from = { 'x-forwarded-for': '198.51.100.77' }
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 4; i++) {
      last = await call('/sign-in/email', { email: first.email, password: 'wrong password' }, from)
      statuses.push(last.status)
    }
    expect(statuses).toEqual([401, 401, 401, 429])
    expect(Number(last!.headers.get('x-retry-after'))).toBeGreaterThan(0)
  })

  it('a sign-in of a user with two-factor on answers twoFactorRedirect, sets the two_factor cookie and no session (auth/two-factor.ts)', async () => {
    const user = await signUp()
    Object.assign(tables.user!.find(u => u.id === user.userId)!, { twoFactorEnabled: true })
    const response = await call('/sign-in/email', { email: user.email, password })
    expect(await response.json()).toMatchObject({ twoFactorRedirect: true })
    expect(cookieOf(response, 'better-auth.two_factor'), `better-auth no longer sets better-auth.two_factor (it set: ${response.headers.getSetCookie().map(c => c.split('=')[0]).join(', ')})`).toBeDefined()
    expect(cookieOf(response, 'better-auth.session_token')?.split('=')[1] ?? '').toBe('')
    expect(TWO_FACTOR_ERROR_CODES.ACCOUNT_TEMPORARILY_LOCKED, 'better-auth\'s twoFactor no longer has the error code ACCOUNT_TEMPORARILY_LOCKED').toBeDefined()
  })

  it('has every error code the app reads or rewords (auth/handler.ts CLEAR_MESSAGES and refuseTooMany, api/sessions/reauthenticate.post.ts)', () => {
    const codes = [...Object.keys(CLEAR_MESSAGES), 'ACCOUNT_TEMPORARILY_LOCKED', 'INVALID_PASSWORD']
    expect(codes.filter(code => !(code in auth.$ERROR_CODES))).toEqual([])
  })

  it('its client (as plugins/auth-client.ts makes it: throw on) throws the answer\'s status and JSON body, which utils/format.ts reads; a two-factor sign-in resolves with twoFactorRedirect (composables/useAuth.ts)', async () => {
    const user = await signUp()
    const client = createAuthClient({
      baseURL: base,
      fetchOptions: { throw: true, customFetchImpl: (url, init) => auth.handler(new Request(url, { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), 'origin': base, 'x-forwarded-for': '198.51.100.78' } })) },
      plugins: [twoFactorClient()],
    })
    const refused = await client.signIn.email({ email: user.email, password: 'wrong password' }).then(() => undefined, (error: unknown) => error)
    expect(refused).toMatchObject({ status: 401, error: { code: 'INVALID_EMAIL_OR_PASSWORD' } })
    expect(errorCode(refused)).toBe('INVALID_EMAIL_OR_PASSWORD')
    expect(errorMessage(refused, 'fallback')).toBe(auth.$ERROR_CODES.INVALID_EMAIL_OR_PASSWORD.message)

    Object.assign(tables.user!.find(u => u.id === user.userId)!, { twoFactorEnabled: true })
    expect(await client.signIn.email({ email: user.email, password })).toMatchObject({ twoFactorRedirect: true })
  })

  it('names the address in the token of its confirmation link (auth/email-link.ts addressOfConfirmationLink, for ADMIN_EMAILS)', async () => {
    expect((await call('/send-verification-email', { email: first.email })).status).toBe(200)
    expect(addressOfConfirmationLink(confirmationTokens.get(first.email)!)).toBe(first.email)
    expect(addressOfConfirmationLink('not-a-token')).toBeUndefined()
  })

  it('routes OAuth callbacks at /callback/:id (auth/two-factor.ts OTHER_FIRST_FACTORS, audit/audit.ts)', () => {
    expect((auth.api.callbackOAuth as unknown as { path: string }).path).toBe('/callback/:id')
    expect(OTHER_FIRST_FACTORS).toContain('/callback/:id')
  })
})

describe('Prisma behaviour the app relies on', () => {
  it('@prisma/adapter-better-sqlite3 keeps its better-sqlite3 connection as `client` (platform/db.ts connectionOf)', async () => {
    const adapter = await new PrismaBetterSQLite3({ url: 'file::memory:' }).connect() as unknown as { client?: { prepare?: unknown }, dispose: () => Promise<void> }
    expect(typeof adapter.client?.prepare).toBe('function')
    await adapter.dispose()
  })
})
