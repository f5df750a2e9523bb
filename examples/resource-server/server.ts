// A resource server that is not the app: plain node:http, no database. It trusts a request when
// its `Authorization: Bearer <jwt>` was signed by one of the app's keys (fetched from its JWKS and
// cached), names the expected issuer and audience, has not expired, and does not belong to a
// session or user the app's revocation list names (polled every REVOCATION_POLL_MS).
//
//   APP_URL=http://localhost:3000 REVOCATION_LIST_KEY=... npx jiti examples/resource-server/server.ts
import { createServer } from 'node:http'
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose'

const APP_URL = process.env.APP_URL ?? 'http://localhost:3000'
const ISSUER = process.env.JWT_ISSUER ?? APP_URL
const AUDIENCE = process.env.JWT_AUDIENCE ?? APP_URL
const PORT = Number(process.env.PORT ?? 4000)
const REVOCATION_LIST_KEY = process.env.REVOCATION_LIST_KEY
const REVOCATION_POLL_MS = Number(process.env.REVOCATION_POLL_MS ?? 500)

// Cached for 10 minutes; a token with an unknown key id triggers one refetch at most every 30 s.
const keys = createRemoteJWKSet(new URL('/api/auth/jwks', APP_URL), { cacheMaxAge: 600_000, cooldownDuration: 30_000 })

/** Sessions and users the app says are no longer good, and when that was last confirmed. */
let revoked = { sessions: new Set<string>(), users: new Set<string>(), at: 0 }

async function refreshRevocations() {
  if (!REVOCATION_LIST_KEY) return
  try {
    const response = await fetch(new URL('/api/revocations', APP_URL), { headers: { authorization: `Bearer ${REVOCATION_LIST_KEY}` } })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    const { data } = await response.json() as { data: { token: string } }
    // The list is signed with the same keys as the tokens, for its own audience.
    const { payload } = await jwtVerify<{ sessions: string[], users: string[] }>(data.token, keys, { issuer: ISSUER, audience: `${ISSUER}/revocations`, algorithms: ['EdDSA'] })
    if (!revoked.at) console.log('revocation list received')
    revoked = { sessions: new Set(payload.sessions), users: new Set(payload.users), at: Date.now() }
  }
  catch (error) {
    // Keep the last list; a stale list is reported by /health and refused after 30 s (below).
    if (Date.now() - revoked.at > 5000) console.warn(`revocation list unavailable: ${(error as Error).message}`)
  }
}

/** The verified claims of the request's token, or a reason to refuse it. */
async function authenticate(header: string | undefined): Promise<{ claims: JWTPayload } | { status: number, message: string }> {
  const token = header?.match(/^Bearer (.+)$/i)?.[1]
  if (!token) return { status: 401, message: 'A bearer token is required' }
  let claims: JWTPayload
  try {
    ({ payload: claims } = await jwtVerify(token, keys, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] }))
  }
  catch (error) {
    const message = error instanceof errors.JWTExpired ? 'The token has expired' : 'The token is not valid'
    return { status: 401, message }
  }
  if (REVOCATION_LIST_KEY && Date.now() - revoked.at > 30_000) return { status: 503, message: 'Cannot confirm revocations right now' }
  if (revoked.sessions.has(String(claims.sid)) || revoked.users.has(String(claims.sub))) return { status: 401, message: 'The session has ended' }
  return { claims }
}

const server = createServer(async (req, res) => {
  const send = (status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    res.end(JSON.stringify(body))
  }
  if (req.url === '/health') return send(200, { ok: true, revocationsAge: revoked.at ? Date.now() - revoked.at : null })
  if (req.url !== '/api/hello') return send(404, { success: false, message: 'Not found' })
  const result = await authenticate(req.headers.authorization)
  if ('status' in result) return send(result.status, { success: false, message: result.message })
  send(200, { success: true, data: { user: result.claims.sub, role: result.claims.role } })
})

await refreshRevocations()
const timer = setInterval(refreshRevocations, REVOCATION_POLL_MS)
server.listen(PORT, '127.0.0.1', () => console.log(`resource server on http://127.0.0.1:${PORT}, trusting ${APP_URL}`))
process.on('SIGTERM', () => {
  clearInterval(timer)
  server.close(() => process.exit(0))
})
