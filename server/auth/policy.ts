import type { H3Event } from 'h3'
import { REDIRECT_FIELDS, routesFor, type Route } from './route-table'
import { holdAccount } from './account-lock'
import { applyLimits, type LimitKeys } from './limits'
import { hasSecondFactorCookie, pendingSecondFactorUserId } from './two-factor'
import { clientIp } from '../platform/client-ip'
import { useDb } from '../platform/db'
import { useEnv } from '../platform/env'
import { mailAvailable } from '../platform/mailer'
import { requireAdmin, requireFreshSession, requireOnboarded, requireSession } from '../sessions/guards'
import { getAuthSession } from '../sessions/lookup'

/** Largest request body any route takes; larger ones get 413 before anything reads them. */
export const BODY_LIMIT = 64 * 1024

const fail = (statusCode: number, message: string, code?: string) => createError({ statusCode, message, data: code && { code } })

/** Past this, an oversized body is not even read to its end: the connection is closed instead. */
const DISCARD_LIMIT = 8 * 1024 * 1024

const tooLarge = () => fail(413, `The request body is larger than ${BODY_LIMIT / 1024} KiB.`)

/**
 * The request body, read at most BODY_LIMIT bytes far and kept where h3 (and so better-auth) reads
 * it again. A larger body gets 413 once the rest has been read and thrown away (so the client,
 * still sending, reads the answer and may reuse the connection), or at once, with the connection
 * closed, past DISCARD_LIMIT.
 */
async function readLimitedBody(event: H3Event): Promise<string | undefined> {
  const declared = Number(getRequestHeader(event, 'content-length') ?? 0)
  if (!declared && !getRequestHeader(event, 'transfer-encoding')) return undefined
  const req = event.node.req
  const closeAndRefuse = () => {
    setResponseHeader(event, 'connection', 'close')
    return tooLarge()
  }
  if (declared > DISCARD_LIMIT) throw closeAndRefuse()
  // Listeners, not an async iterator: leaving one early destroys the request and its socket.
  const raw = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = () => req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onError)
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= BODY_LIMIT && declared <= BODY_LIMIT) chunks.push(chunk)
      else if (size > DISCARD_LIMIT) {
        done()
        req.pause()
        reject(closeAndRefuse())
      }
    }
    const onEnd = () => {
      done()
      if (size > BODY_LIMIT || declared > BODY_LIMIT) reject(tooLarge())
      else resolve(Buffer.concat(chunks))
    }
    // A client that goes away mid-body (its socket reset) is its own failure, never the database's.
    const onError = () => {
      done()
      reject(fail(400, 'The request body ended before it was complete.', 'INCOMPLETE_BODY'))
    }
    req.on('data', onData).once('end', onEnd).once('error', onError).once('close', onError)
  });
  (req as unknown as Record<symbol, unknown>)[Symbol.for('h3RawBody')] = Promise.resolve(raw)
  return raw.length ? raw.toString('utf8') : undefined
}

/** The JSON object a request carries (or undefined without a body); 415 for another type, 400 for anything but an object. */
async function readJsonBody(event: H3Event): Promise<Record<string, unknown> | undefined> {
  const raw = await readLimitedBody(event)
  if (raw === undefined) return undefined
  const type = (getRequestHeader(event, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw fail(415, 'Send the body as JSON, with Content-Type: application/json.', 'UNSUPPORTED_MEDIA_TYPE')
  let body: unknown
  try {
    body = JSON.parse(raw)
  }
  catch {
    throw fail(400, 'The body is not valid JSON.', 'INVALID_JSON')
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw fail(400, 'The body must be a JSON object.', 'INVALID_JSON')
  assertPlainText(body)
  return body as Record<string, unknown>
}

/** Deepest nesting a body may have: every schema of the table is two levels deep at most. */
export const BODY_DEPTH_LIMIT = 16

/**
 * Refuses a parsed JSON value nested deeper than BODY_DEPTH_LIMIT (code that walks it, ours or a
 * library's, would run out of stack) or holding the NUL character in any key or string
 * (PostgreSQL's text refuses it). Walks with its own stack, so no depth makes it throw.
 */
function assertPlainText(value: unknown) {
  const pending: [unknown, number][] = [[value, 0]]
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, depth] = next
    if (typeof item === 'string' && item.includes('\0')) throw NUL_REFUSED()
    if (!item || typeof item !== 'object') continue
    if (depth >= BODY_DEPTH_LIMIT) throw fail(400, `The body is nested more than ${BODY_DEPTH_LIMIT} levels deep.`, 'INVALID_JSON')
    for (const [key, inner] of Object.entries(item)) {
      if (key.includes('\0')) throw NUL_REFUSED()
      pending.push([inner, depth + 1])
    }
  }
}
const NUL_REFUSED = () => fail(400, 'Text may not contain the NUL character (\\u0000).', 'INVALID_CHARACTER')

/** The declared route of this request: 404 for an undeclared path, 405 for another method. */
export function declaredRoute(event: H3Event, path: string): Route {
  const routes = routesFor(path)
  const method = event.method === 'HEAD' ? 'GET' : event.method
  const route = routes.find(r => r.method === method)
  if (route) return route
  if (!routes.length) throw fail(404, 'Not found')
  setResponseHeader(event, 'allow', [...new Set(routes.map(r => r.method))].join(', '))
  throw fail(405, `${event.method} is not allowed here.`, 'METHOD_NOT_ALLOWED')
}

/** Where better-auth may send the browser: a same-site path (or this site's own URL), never anywhere else. */
function assertSameSite(field: string, value: unknown) {
  if (value === undefined) return
  if (typeof value !== 'string' || !sameSitePath(value, new URL(useEnv().BETTER_AUTH_URL).origin)) throw fail(400, `${field} must be a path on this site, like /dashboard.`, 'INVALID_REDIRECT')
}

/**
 * Applies the route table to one request under /api before anything else sees it: the route must
 * be declared (and available here), its body JSON within BODY_LIMIT and valid for its schema, any
 * redirect target a path on this site, the caller of its class, and its limits not used up.
 */
export async function enforcePolicy(event: H3Event): Promise<Route> {
  const path = event.path.split('?')[0]!
  const route = declaredRoute(event, path)
  if ((route.caller === 'dev' && !import.meta.dev) || (route.caller === 'bench' && !useEnv().BENCH_ROUTES) || (route.mail && !mailAvailable())) {
    throw fail(404, 'Not found')
  }
  // Who first (401 before 400: a stranger learns nothing of the body a route takes), then what.
  const session = await callerSession(event, route)
  const body = event.method === 'GET' || event.method === 'HEAD' ? undefined : await readJsonBody(event)
  if (route.body) {
    const parsed = route.body.safeParse(body ?? {})
    if (!parsed.success) throw createError({ statusCode: 400, message: 'Invalid request body', data: { issues: parsed.error.issues } })
  }
  const query = getQuery(event)
  assertPlainText(query)
  for (const field of REDIRECT_FIELDS) {
    assertSameSite(field, body?.[field])
    assertSameSite(field, query[field])
  }
  if (!route.limits?.length && !route.serial) return route
  const pending = route.caller === 'second-factor' && !session ? await pendingSecondFactorUserId(event) : undefined
  const keys = {
    'ip': clientIp(event, useEnv().TRUST_PROXY),
    // Only what could be an address names an account: garbage spends no one's budget.
    'email': typeof body?.email === 'string' && body.email.includes('@') ? body.email : undefined,
    'user': session?.user.email,
    'second-factor': session?.user.email ?? (pending ? await emailOfUser(pending) : undefined),
  }
  await applyLimits(event, route, keys)
  // Then, once let through, its turn among the requests that prove or change the same account.
  const account = route.serial && await accountOf(route, path, body, keys)
  if (account) await holdAccount(event, account)
  return route
}

const emailOfUser = async (id: string) => (await useDb().user.findUnique({ where: { id }, select: { email: true } }))?.email

/** The `{id}` of a path matching a route's path. */
const pathId = (route: Route, path: string) => path.split('/')[route.path.split('/').indexOf('{id}')]

/** The email of the account a `serial` route proves or changes (undefined if it names none). */
async function accountOf(route: Route, path: string, body: Record<string, unknown> | undefined, keys: LimitKeys) {
  switch (route.serial) {
    case 'email':
    case 'user':
    case 'second-factor':
      return keys[route.serial]
    case 'target': {
      const id = typeof body?.userId === 'string' ? body.userId : pathId(route, path)
      return id ? emailOfUser(id) : undefined
    }
    case 'session-owner': {
      const id = pathId(route, path)
      return id ? (await useDb().session.findUnique({ where: { id }, select: { user: { select: { email: true } } } }))?.user.email : undefined
    }
    case 'reset-token': {
      if (typeof body?.token !== 'string') return undefined
      const link = await useDb().verification.findFirst({ where: { identifier: `reset-password:${body.token}` }, select: { value: true } })
      return link ? emailOfUser(link.value) : undefined
    }
    default: return undefined
  }
}

/** The session the route's caller class needs (401 / 403 otherwise); null for routes anyone may call. */
async function callerSession(event: H3Event, route: Route) {
  switch (route.caller) {
    case 'session': return requireSession(event)
    case 'onboarded': return requireOnboarded(event)
    case 'fresh': return requireFreshSession(event)
    case 'admin': return requireAdmin(event)
    case 'second-factor': {
      const session = await getAuthSession(event)
      if (!session && !hasSecondFactorCookie(event)) throw fail(401, 'Sign in with your password first.')
      return session
    }
    default: return null
  }
}

declare module 'h3' {
  interface H3EventContext {
    route?: Route
  }
}
