import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROUTES } from '../../server/auth/route-table'
import { adminCookie, COOKIE, createAdmin, signUp } from '../support/http'
import { startServer, type TestServer } from '../support/server'
import { startMailbox, type TestMailbox } from '../support/smtp'

// Its own server with mail on, so every route of the table answers; the seed makes a failure replayable.
const SEED = 20261201
const REQUESTS = 2400

let app: TestServer
let mailbox: TestMailbox
beforeAll(async () => {
  mailbox = await startMailbox()
  app = await startServer({ SMTP_URL: mailbox.url })
})
afterAll(async () => {
  await app?.stop()
  await mailbox?.close()
})

/** mulberry32: a small seeded generator, so the same requests go out on every run. */
function generator(seed: number) {
  let a = seed
  const next = () => {
    a = (a + 0x6D2B79F5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  return { next, pick }
}

const { next, pick } = generator(SEED)
const STRINGS = ['', ' ', 'a', 'x@example.com', 'not-an-email', '%', '%zz', '\u0000', '\uFEFF', '../../etc/passwd', '//evil.com', '/.//evil.com', 'https://evil.com',
  '😀'.repeat(50), 'a'.repeat(3000), '{"a":1}', '<script>alert(1)</script>', '123456', 'sign-in', 'forget-password', 'admin', 'user', 'null', '-1', '1e309']
const value = (depth = 0): unknown => {
  const kind = Math.floor(next() * (depth > 2 ? 6 : 9))
  switch (kind) {
    case 0: return pick(STRINGS)
    case 1: return Math.floor(next() * 2e6) - 1e6
    case 2: return next() > 0.5
    case 3: return null
    case 4: return next()
    case 5: return pick(STRINGS) + pick(STRINGS)
    case 6: return [value(depth + 1), value(depth + 1)]
    case 7: return { [pick(FIELDS)]: value(depth + 1) }
    default: return Object.fromEntries(Array.from({ length: 3 }, () => [pick(FIELDS), value(depth + 1)]))
  }
}
const FIELDS = ['email', 'password', 'name', 'otp', 'code', 'token', 'newPassword', 'currentPassword', 'type', 'provider', 'callbackURL', 'errorCallbackURL',
  'redirectTo', 'userId', 'role', 'banReason', 'banExpiresIn', 'displayName', 'timeZone', 'reason', 'expiresInDays', 'trustDevice', 'providerId', 'accountId', '__proto__', 'constructor']

function body(): string | undefined {
  const shape = next()
  if (shape < 0.1) return undefined
  if (shape < 0.2) return pick(['', '{', 'null', '[]', '"x"', '{"email":', '\uFEFF{}', 'a=b&c=d', '{"a":'.repeat(200)])
  return JSON.stringify(Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 5) }, () => [pick(FIELDS), value()])))
}

function path(): string {
  const route = pick(ROUTES)
  const base = route.path.replace(/\{\w+\}/g, () => pick(['x', '%', '%zz', encodeURIComponent(randomUUID()), 'a'.repeat(300), '..', '%2e%2e']))
  const twist = next()
  if (twist < 0.08) return base.replace(/\/([^/]+)$/, '/./$1')
  if (twist < 0.14) return `${base}/`
  if (twist < 0.18) return base.replace('/api/', '/api//')
  if (twist < 0.22) return `${base}x`
  if (twist < 0.4) return `${base}?${pick(FIELDS)}=${encodeURIComponent(String(pick(STRINGS)))}&${pick(['callbackURL', 'token', 'redirect', 'q', 'page'])}=${pick(['%', '%zz', '//evil.com', '1', '-5', 'a'.repeat(500)])}`
  return base
}

describe(`fuzz (seed ${SEED}): ${REQUESTS} malformed requests across the route table`, () => {
  it('none gets a 5xx, and every answer under /api is JSON', async () => {
    const user = await signUp(app.url)
    const adminEmail = `fuzz-admin-${randomUUID()}@example.com`
    await createAdmin(app.url, app.databaseUrl, adminEmail)
    const admin = await adminCookie(app.url, adminEmail)
    const cookies = [undefined, undefined, user.cookie, admin, `${COOKIE}=%`, `${COOKIE}=${'a'.repeat(5000)}`, `${COOKIE}=x.y`, 'better-auth.two_factor=%zz', `${COOKIE}=${user.cookie.split('=')[1]}x`]
    const bearers = [undefined, undefined, undefined, 'Bearer %zz.x', 'Bearer ', 'Basic Zm9vOmJhcg==', `Bearer ${'a'.repeat(9000)}`]
    const types = ['application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/json; charset=utf-16', '']
    const methods = ['GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS', 'TRACE', 'HEAD']
    const { hostname, port } = new URL(app.url)
    const failures: string[] = []
    const statuses = new Map<number, number>()
    const send = (method: string, target: string, headers: Record<string, string>, payload?: string) => new Promise<void>((resolve) => {
      const req = httpRequest({ hostname, port, path: target, method, headers }, (response) => {
        let text = ''
        response.on('data', chunk => text += chunk)
        response.on('end', () => {
          const status = response.statusCode!
          statuses.set(status, (statuses.get(status) ?? 0) + 1)
          const json = String(response.headers['content-type']).includes('application/json')
          if (status >= 500) failures.push(`${status} ${method} ${target} ${payload?.slice(0, 200)}: ${text.slice(0, 200)}`)
          // 431: Node's HTTP server refuses headers over 16 KiB itself, before the app sees the request.
          else if (target.startsWith('/api/') && method !== 'HEAD' && ![204, 302, 431].includes(status) && !json) failures.push(`not JSON: ${status} ${method} ${target.slice(0, 120)}`)
          resolve()
        })
      })
      req.on('error', error => (failures.push(`${method} ${target}: ${error.message}`), resolve()))
      if (payload !== undefined) req.write(payload)
      req.end()
    })
    const plan = Array.from({ length: REQUESTS }, () => {
      const route = next() < 0.7
      const method = route ? pick(['GET', 'POST', 'POST', 'DELETE']) : pick(methods)
      const headers: Record<string, string> = { 'x-forwarded-for': pick(['10.7.0.1', '10.7.0.2', `10.7.${Math.floor(next() * 250)}.${Math.floor(next() * 250)}`, 'SUPPORT-NOTICE: call', '6.6.6.6, ::1', '%']) }
      const cookie = pick(cookies)
      if (cookie) headers.cookie = cookie
      const bearer = pick(bearers)
      if (bearer) headers.authorization = bearer
      if (next() < 0.5) headers.origin = pick([app.url, 'https://evil.example', 'null'])
      const payload = method === 'GET' || method === 'HEAD' ? undefined : body()
      if (payload !== undefined) headers['content-type'] = pick(types)
      // Node's client frames a DELETE, OPTIONS or TRACE body only with a Content-Length.
      if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload))
      return { method, target: path(), headers, payload }
    })
    for (let i = 0; i < plan.length; i += 8) {
      await Promise.all(plan.slice(i, i + 8).map(r => send(r.method, r.target, r.headers, r.payload)))
    }
    console.info(`fuzz: ${REQUESTS} requests, statuses ${[...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`)
    expect(failures).toEqual([])
    expect([...statuses.keys()].filter(s => s >= 500)).toEqual([])
  }, 300_000)
})
